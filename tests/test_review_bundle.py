"""A real batch, end to end: verdicts, report.html, OUTDIR/index.html (in headless Chromium), amend.

One run of the CLI over the sample interview (spoken PII), a real video clip
and a broken file; the browser tests drive Debian's Chromium through
Selenium with the system chromedriver (Selenium Manager never downloads),
check the key elements by DOM, click a transcript segment and watch the
player's time move, and save screenshots under ``MEDIAANON_SCREENSHOTS``
(default: the test's temporary folder).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow
PII = re.compile(r"maria|gonzalez|david|leeds|saint mary|st\.? mary|outlook", re.I)
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "mediaanon", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})


@pytest.fixture(scope="module")
def batch(tmp_path_factory, repo, shared_media):
    clip = shared_media / "video/liveportrait/d18.mp4"
    if not clip.exists():
        pytest.skip("d18.mp4 missing")
    tmp = tmp_path_factory.mktemp("batch")
    inputs = tmp / "in"
    inputs.mkdir()
    shutil.copy(repo / "samples" / "interview.flac", inputs / "interview.flac")
    shutil.copy(clip, inputs / "clip.mp4")
    (inputs / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage")
    out = tmp / "out"
    proc = run_cli("run", inputs, "-o", out, "--names", repo / "samples" / "names.txt", "--json")
    return proc, out


def test_batch_exit_code_verdicts_and_index(batch):
    proc, out = batch
    assert proc.returncode == 1, proc.stderr  # a failure wins over "needs review"
    results = {r["id"]: r for r in json.loads(proc.stdout)}
    assert results["broken"]["status"] == "failed" and results["broken"]["verdict"] is None
    for rid in ("interview", "clip"):
        log = json.loads((out / rid / "processing_log.json").read_text())
        assert log["verdict"]["status"] == results[rid]["verdict"] in ("clean", "review")
        assert "report.html" in log["outputs"]["files"]
        entry = log["outputs"]["files"]["report.html"]
        assert entry["sha256"] == hashlib.sha256((out / rid / "report.html").read_bytes()).hexdigest()
    assert (out / "index.html").is_file() and (out / "broken.failed.json").is_file()


def test_no_pii_and_nothing_remote_in_any_html_or_asset(batch):
    _, out = batch
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".txt", ".srt", ".vtt"):
            text = path.read_text(encoding="utf-8")
            assert not PII.search(text), path.name
            if path.suffix == ".html":
                assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), path.name
                assert "<link" not in text and "<script src" not in text
    # the markers are there instead, highlighted by type
    html = (out / "interview" / "report.html").read_text()
    assert 'data-type="PERSON"' in html and 'data-type="ORGANIZATION"' in html


@pytest.fixture
def browser(tmp_path):
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--no-first-run", "--disable-sync", "--mute-audio",
              "--autoplay-policy=no-user-gesture-required", "--window-size=1400,1000",
              f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield driver
    driver.quit()


def _shots() -> Path:
    d = Path(os.environ.get("MEDIAANON_SCREENSHOTS", "")) if os.environ.get("MEDIAANON_SCREENSHOTS") else None
    return d


def _wait(fn, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    return fn()


@pytest.mark.enable_socket  # Selenium talks to chromedriver over localhost; nothing leaves the machine
def test_report_in_chromium_click_segment_moves_player(batch, browser, tmp_path):
    from selenium.webdriver.common.by import By

    _, out = batch
    doc = json.loads((out / "interview" / "transcript.json").read_text())
    browser.get((out / "interview" / "report.html").as_uri())
    assert browser.find_element(By.ID, "verdict").get_attribute("data-status") in ("clean", "review")
    segs = browser.find_elements(By.CSS_SELECTOR, "#transcript .seg")
    assert len(segs) == len(doc["segments"]) >= 3
    assert browser.find_elements(By.CSS_SELECTOR, "mark.marker[data-type='PERSON']")
    assert browser.find_elements(By.CSS_SELECTOR, "#review-list tr.candidate") is not None
    log = json.loads((out / "interview" / "processing_log.json").read_text())
    bleeps = [s for s in log["stages"] if s["name"] == "bleep_pii"][0]["summary"]["leak_check"]["bleeped_ranges"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#loudness rect.bleep")) == len(bleeps) > 0
    player = browser.find_element(By.ID, "player")
    assert _wait(lambda: browser.execute_script("return arguments[0].readyState", player) >= 1)
    target = segs[3]
    start = float(target.get_attribute("data-start"))
    assert start > 1.0
    target.click()
    now = _wait(lambda: browser.execute_script("return arguments[0].currentTime", player) >= start - 0.05
                and browser.execute_script("return arguments[0].currentTime", player))
    assert now and now >= start - 0.05
    browser.execute_script("arguments[0].pause()", player)
    shots = _shots() or tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shots / "report_interview.png"))


@pytest.mark.enable_socket
def test_video_report_has_contact_sheet_and_timeline(batch, browser, tmp_path):
    from selenium.webdriver.common.by import By

    _, out = batch
    browser.get((out / "clip" / "report.html").as_uri())
    figs = browser.find_elements(By.CSS_SELECTOR, "#contact-sheet figure")
    assert len(figs) >= 12
    assert all(f.find_element(By.TAG_NAME, "img").get_attribute("src").startswith("data:image/jpeg")
               for f in figs)
    assert browser.find_elements(By.CSS_SELECTOR, "#face-timeline rect.masked")
    assert browser.execute_script("return document.getElementById('player').tagName") == "VIDEO"
    shots = _shots() or tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shots / "report_clip.png"))


@pytest.mark.enable_socket
def test_index_in_chromium_lists_failures_first_and_sorts(batch, browser, tmp_path):
    from selenium.webdriver.common.by import By

    _, out = batch
    browser.get((out / "index.html").as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "#index tbody tr.row")
    assert [r.get_attribute("data-status") for r in rows][0] == "failed" and len(rows) == 3
    assert {a.text for a in browser.find_elements(By.CSS_SELECTOR, "#index tbody a")} == {"interview", "clip"}
    browser.find_element(By.CSS_SELECTOR, "#index th[data-k='2']").click()  # duration, ascending
    order = [r.find_elements(By.TAG_NAME, "td")[2].get_attribute("data-v")
             for r in browser.find_elements(By.CSS_SELECTOR, "#index tbody tr.row")]
    assert [float(x) for x in order] == sorted(float(x) for x in order)
    shots = _shots() or tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shots / "index.png"))


def _tone_share(x: np.ndarray, rate: int, t0: float, t1: float, hz: float = 1000.0) -> float:
    seg = x[int(t0 * rate):int(t1 * rate)]
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg)))) ** 2
    freqs = np.fft.rfftfreq(len(seg), 1 / rate)
    return float(spec[(freqs > hz - 30) & (freqs < hz + 30)].sum() / max(spec.sum(), 1e-12))


def test_amend_word_round_trip_and_refusal_leaves_bundle_intact(batch, tmp_path):
    import soundfile as sf

    _, out = batch
    bundle = tmp_path / "interview"
    shutil.copytree(out / "interview", bundle)
    doc = json.loads((bundle / "transcript.json").read_text())
    words = [w for s in doc["segments"] for w in s["words"]]
    n = next(i for i, w in enumerate(words) if w["word"].strip(".,?") == "joining")
    w = words[n]
    before = {p.name: p.read_bytes() for p in bundle.iterdir()}
    # a bad word number is refused (exit 2) and changes nothing
    bad = run_cli("amend", bundle, "--word", str(len(words) + 5))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert {p.name: p.read_bytes() for p in bundle.iterdir()} == before
    x0, rate = sf.read(str(bundle / "media.flac"), dtype="float32")
    ok = run_cli("amend", bundle, "--word", str(n), "--json")
    assert ok.returncode == 0, ok.stderr
    record = json.loads(ok.stdout)
    assert record["words_redacted"] == 1 and record["by"] == "word"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".amend")]  # no staging left behind
    for fmt in ("json", "txt", "srt", "vtt"):
        text = (bundle / f"transcript.{fmt}").read_text()
        assert "joining" not in text and "[REDACTED]" in text, fmt
    new = json.loads((bundle / "transcript.json").read_text())
    assert [x for s in new["segments"] for x in s["words"]][n]["word"] == "[REDACTED]"
    log = json.loads((bundle / "processing_log.json").read_text())
    assert log["amendments"][-1]["ranges"] == [[w["start"], w["end"]]]
    assert "joining" not in json.dumps(log)
    for name, entry in log["outputs"]["files"].items():
        assert entry["sha256"] == hashlib.sha256((bundle / name).read_bytes()).hexdigest(), name
    # the word's time is now the tone, in the audio; the rest of the audio is unchanged
    x1, _ = sf.read(str(bundle / "media.flac"), dtype="float32")
    assert len(x1) == len(x0)
    assert _tone_share(x1, rate, w["start"], w["end"]) > 0.8 > _tone_share(x0, rate, w["start"], w["end"])
    far = slice(int((w["end"] + 2) * rate), int((w["end"] + 4) * rate))
    assert np.max(np.abs(x1[far] - x0[far])) < 1e-3
