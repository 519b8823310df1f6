"""The RO-Crate: ``ro-crate-metadata.json`` describing every deposited bundle.

Built with the ``rocrate`` library's entity model and written from its own
JSON-LD generator.  Shape (RO-Crate 1.2, flattened JSON-LD):

- root ``./`` — the deposit: name, description, date, licence, contact point,
  ``mentions`` every processing run;
- one ``Dataset`` per bundle (``<id>/``): ``creativeWorkStatus`` is its
  verdict, ``duration``, ``inLanguage``, ``additionalProperty`` with the
  media kind, the speaker count and what was removed by type
  (``PropertyValue``s), ``hasPart`` its files;
- one ``File`` per bundle file with ``encodingFormat``, ``contentSize`` and
  ``sha256`` (the media file is also an ``AudioObject``/``VideoObject``/
  ``ImageObject``);
- one ``CreateAction`` per bundle: ``instrument`` is the mediaanon version
  and the models (``SoftwareApplication``s carrying their sha256),
  ``result`` the bundle.  Its ``object`` (the original recording) is left
  out on purpose: it is not deposited, and its name can be PII.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mediaanon import __version__
from mediaanon.deposit.describe import BundleFacts, iso_duration, mime_type
from mediaanon.deposit.fixity import CRATE_METADATA, sha256_file
from mediaanon.deposit.records import DepositOptions
from mediaanon.deposit.selection import bundle_files

DEFAULT_TITLE = "De-identified research recordings"
CRATE_VERSION = "1.2"  # the current stable RO-Crate specification (the library's default is newer than most readers)
MEDIA_TYPES = {"audio": "AudioObject", "video": "VideoObject", "image": "ImageObject"}


def write_crate(root: Path, bundles: list[tuple[BundleFacts, dict[str, str]]], options: DepositOptions) -> Path:
    """Describe the bundles already copied under ``root``; ``bundles`` pairs each bundle's facts with its
    log's ``name -> sha256`` (files not in the log are hashed here)."""
    from rocrate.model.contextentity import ContextEntity
    from rocrate.rocrate import ROCrate

    crate = ROCrate(gen_preview=False, version=CRATE_VERSION)
    crate.name = options.title or DEFAULT_TITLE
    crate.description = (options.contact.external_description or
                         f"{len(bundles)} de-identified bundle(s) written by mediaanon: faces masked, transcripts "
                         "redacted, spoken personal data bleeped, as each bundle's processing log records.")
    crate.datePublished = _now()
    if options.license:
        crate.license = options.license
    if options.contact.contact_name or options.contact.contact_email:
        cp = crate.add(ContextEntity(crate, "#contact", properties={
            "@type": "ContactPoint", "contactType": "depositor",
            **{k: v for k, v in (("name", options.contact.contact_name), ("email", options.contact.contact_email),
                                 ("telephone", options.contact.contact_phone)) if v}}))
        crate.root_dataset["contactPoint"] = cp
    entities: dict[str, Any] = {}

    def entity(eid: str, props: dict[str, Any]) -> Any:
        if eid not in entities:
            entities[eid] = crate.add(ContextEntity(crate, eid, properties=props))
        return entities[eid]

    runs = []
    for f, hashes in bundles:
        software = entity(f"#software/mediaanon-{f.software or __version__}", {
            "@type": "SoftwareApplication", "name": "mediaanon", "softwareVersion": f.software or __version__,
            "license": "MIT"})
        models = [entity(f"#model/{m['name']}/{m['sha256'][:12]}", {
            "@type": "SoftwareApplication", "name": m["name"], "sha256": m["sha256"],
            "identifier": f"sha256:{m['sha256']}", "description": "model weights used by mediaanon"})
            for m in f.models]
        parts = [_add_file(crate, root, f, name, hashes.get(name)) for name in bundle_files(root / f.id)]
        props = [_property(crate, f"#{f.id}/media-kind", "mediaKind", f.media_kind),
                 *[_property(crate, f"#{f.id}/removed/{k}", f"removed:{k}", v) for k, v in f.removed.items()]]
        if f.speakers is not None:
            props.append(_property(crate, f"#{f.id}/speakers", "numberOfSpeakers", f.speakers))
        ds = {"name": f"bundle {f.id}", "creativeWorkStatus": f.verdict, "hasPart": parts,
              "additionalProperty": props}
        if f.duration is not None:
            ds["duration"] = iso_duration(f.duration)
        if f.languages:
            ds["inLanguage"] = f.languages if len(f.languages) > 1 else f.languages[0]
        dataset = crate.add_dataset(dest_path=f"{f.id}/", properties=ds)
        run = {"@type": "CreateAction", "name": f"mediaanon pipeline {f.pipeline}".strip(),
               "instrument": [software, *models], "result": dataset,
               "actionStatus": {"@id": "http://schema.org/CompletedActionStatus"}}
        if f.created:
            run["endTime"] = f.created
        if f.policy:
            run["description"] = f"redaction policy {f.policy}"
        runs.append(crate.add(ContextEntity(crate, f"#run/{f.id}", properties=run)))
    crate.root_dataset["mentions"] = runs
    doc = crate.metadata.generate()
    out = root / CRATE_METADATA
    tmp = root / f".{CRATE_METADATA}.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    return out


def _add_file(crate: Any, root: Path, f: BundleFacts, name: str, sha: str | None) -> Any:
    path = root / f.id / name
    if sha is None:
        sha, _ = sha256_file(path)
    props: dict[str, Any] = {"name": name, "encodingFormat": mime_type(name),
                             "contentSize": str(path.stat().st_size), "sha256": sha}
    if name == f.media_file:
        props["@type"] = ["File", MEDIA_TYPES[f.media_kind]]
        if f.duration is not None:
            props["duration"] = iso_duration(f.duration)
    return crate.add_file(dest_path=f"{f.id}/{name}", properties=props)


def _property(crate: Any, eid: str, name: str, value: Any) -> Any:
    from rocrate.model.contextentity import ContextEntity

    return crate.add(ContextEntity(crate, eid, properties={"@type": "PropertyValue", "name": name,
                                                            "value": value}))


def _now() -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
