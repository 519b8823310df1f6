"""Word lists the ASR-aware recognizers lean on, in one place.

Why word lists: Whisper output often has no reliable casing ("my wife fatima
works at tesco"), so the capital letter that NER models rely on is missing.
What replaces it are cues — a known given name, a title ("mrs patel"), a
relation ("my son kwame"), a street word ("elm road") — and the knowledge of
which words are ordinary English (so that "grace" in "by the grace of god" is
not a name, while "my supervisor grace" is).

The English vocabulary comes from the spaCy model we already load (its
lemmatizer's WordNet-derived index of nouns, verbs, adjectives and adverbs),
so no extra download is needed.  Proper nouns are part of that index too
("london", "sarah"), which is why membership of the *verb/adjective/adverb*
lists is what marks a word as "ordinary", plus a short list of common nouns
that are also names.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS as _SPACY_STOP

DATA = Path(__file__).resolve().parent / "data"

STOP_WORDS = frozenset(_SPACY_STOP | {"um", "uh", "er", "erm", "mm", "hmm", "yeah", "yes", "ok", "okay", "like", "oh", "gonna", "wanna", "ya", "im"})

# Common nouns / words that are also given names: only a cue makes them a name.
NAME_WORDS = frozenset(
    """faith hope joy dawn summer autumn april june may rose lily holly ivy ruby amber jade pearl
    violet daisy iris heather olive ginger robin cliff glen dale guy max sky river angel crystal
    penny brook destiny harmony melody grace will mark bill jack frank rich pat sue art ray drew
    chase hunter miles lance gene don bob ken nick sandy cherry willow storm star rocky buddy
    jean carol sunny mercy blessing hazel jay bud mac""".split()
)

# Abbreviations and slang the vocabulary lacks but that are not names.
ABBREVIATIONS = frozenset(
    """nhs gp tv uni reg dvd cv id pc ok atm mot mri hiv covid ptsd adhd ocd wifi app apps telly
    brexit selfie vape ofsted dwp hmrc gcse gcses alevels btec nvq phd mba bsc msc asap fyi lol
    cctv sim pin nhs's gp's ssn""".split()
)

# "my husband tom", "her boss, kevin marsh": a name may follow these.
RELATIONS = frozenset(
    """husband wife partner son daughter brother sister mum mom mummy mother dad daddy father friend
    boss manager supervisor neighbour neighbor cousin aunt auntie aunty uncle nan nana nanna gran
    granny grandma grandmother grandad granddad grandpa grandfather nephew niece girlfriend
    boyfriend fiance fiancee colleague mate teacher stepdad stepmum stepmom stepfather stepmother
    stepson stepdaughter ex carer gp therapist counsellor counselor landlord landlady caseworker
    youngest eldest oldest granddaughter grandson godmother godfather twin kid kids child baby
    lodger flatmate roommate housemate pastor vicar priest imam rabbi tutor coach lawyer solicitor
    midwife nurse sponsor mentor""".split()
)
RELATION_PHRASES = ("brother in law", "sister in law", "mother in law", "father in law", "son in law",
                    "daughter in law", "social worker", "case worker", "key worker", "support worker",
                    "best friend", "little brother", "little sister", "big brother", "big sister",
                    "older brother", "older sister", "younger brother", "younger sister", "other half")

# Titles written before a (sur)name; the title is redacted with the name.
TITLES = frozenset(
    """mr mrs ms miss mx dr doctor prof professor sir dame lady lord rev reverend pastor father
    sister nurse auntie aunty aunt uncle imam rabbi officer sergeant sgt inspector constable pc
    detective councillor judge coach captain mister missus madam""".split()
)

# "… called X", "… named X": the noun before the cue says which kind of name follows.
PLACE_NOUNS = frozenset("village town city street road area estate place suburb district county hamlet neighbourhood neighborhood island".split())
ORG_NOUNS = frozenset(
    """home school company firm pub shop store charity church club centre center band group
    restaurant cafe hotel hospital clinic business factory agency college academy nursery
    practice surgery gym bar team organisation organization society""".split()
)

# The last word of an organisation's name ("lincoln primary school", "brightline logistics").
ORG_SUFFIXES = frozenset(
    """school academy college university uni hospital infirmary clinic surgery practice church
    chapel cathedral mosque masjid temple gurdwara synagogue methodist baptist parish nursery
    primary secondary high grammar comprehensive textiles logistics ltd limited plc inc llc corp
    corporation council trust foundation charity bank lodge mills mill group services solutions
    industries motors foods stores supermarket pharmacy hotel inn arms tavern centre center
    partners associates consulting insurance housing association academy institute authority
    prison hmp constabulary police fc united rovers""".split()
)

# Head nouns of organisations named with common words ("the salvation army", "holy trinity
# church", "the red lion pub"); see ``people.common_word_orgs``.  "co-op" may stand alone.
ORG_HEADS = frozenset(
    """church chapel cathedral mosque temple synagogue school academy college university hospital
    hospice clinic surgery pub inn tavern arms bank council army trust centre center factory
    company ltd inc plc co-op coop society association foundation charity hotel""".split()
)
STANDALONE_ORG_HEADS = frozenset({"co-op", "coop"})
# Modifiers that make "the … school" a kind of place, not a name: size, age, place, kind,
# denomination, service or product ("the local school", "the food bank", "the job centre").
GENERIC_ORG_MODIFIERS = frozenset(
    """local nearby nearest main new old big small little large huge tiny same other whole entire
    next last first only usual regular normal general public private state national international
    independent community village town city county district parish regional central royal free
    catholic christian muslim jewish islamic anglican methodist baptist pentecostal evangelical
    orthodox protestant presbyterian lutheran sikh hindu primary secondary high junior senior
    infant infants middle grammar comprehensive sixth form nursery boarding day night sunday
    weekend summer evening language driving dance music art arts drama sports sport leisure
    shopping garden food blood sperm river job jobs health medical dental eye cancer children's
    childrens kids youth women's womens men's mens maternity psychiatric mental rehab
    rehabilitation detox walk-in drop-in call training care nursing insurance phone mobile gas
    electric electricity water energy bus train taxi cab car delivery building construction
    cleaning security software tech technology investment merchant commercial retail savings
    housing student students staff family teaching research military armed fire police ambulance
    post prison special business law legal finance financial services service piggy data memory
    visitor visitors detention doctor's doctors vet vets fertility sexual walk drop support advice
    counselling mortgage holding parent sister shell limited small-business multinational
    british english american irish scottish welsh european foreign overseas north south east west
    northern southern eastern western""".split()
)

# The last word of a street's name ("elm road"); the first group is safe in lower case.
STREET_SUFFIXES = frozenset(
    "street st road rd avenue ave lane ln drive close crescent boulevard blvd terrace grove mews row parade walk".split()
)
STREET_SUFFIXES_CASED = frozenset("way place park gardens square hill green court rise vale view".split())
GENERIC_STREET_MODIFIERS = frozenset(
    """main side back same other dirt busy quiet long big little old new next wrong right one two
    ring slip bypass private public country high dead open whole entire""".split()
)

# Prepositions/verbs after which a noun is likely a place ("grew up in leeds").
PLACE_PREPOSITIONS = frozenset("in from to near outside around at towards toward via".split())
# Verbs of working for / belonging to an organisation ("work for mitie", "played for leeds united").
WORK_VERBS = frozenset(
    """work works worked working job jobs employed shift shifts contract temping volunteer volunteered
    volunteering play plays played playing signed drive drives drove driving deliver delivers
    delivered delivering""".split()
)
WORK_PREPOSITIONS = frozenset("at for with".split())
# Frequent objects of those prepositions that are not places or employers.
NOT_PLACES = frozenset(
    """home work school uni university college hospital bed prison jail church town care class
    time fact love night nights day days weekends weekend myself yourself himself herself
    themselves ourselves first last least most all once tears pieces bits touch trouble charge
    hand hands shape debt pain place places bits court years months weeks hours minutes seconds
    decades ages free nothing money cash peanuts food tips"""
    .split()
)

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

COUNTRIES = frozenset(
    """afghanistan albania algeria america angola argentina armenia australia austria azerbaijan
    bangladesh belarus belgium bolivia bosnia brazil britain bulgaria cambodia cameroon canada
    chile china colombia congo croatia cuba cyprus czechia denmark ecuador egypt england eritrea
    estonia ethiopia europe africa asia finland france gambia georgia germany ghana greece
    guatemala guinea haiti honduras hungary iceland india indonesia iran iraq ireland israel italy
    jamaica japan jordan kazakhstan kenya korea kosovo kurdistan kuwait latvia lebanon liberia
    libya lithuania luxembourg malawi malaysia mali malta mexico moldova mongolia morocco
    mozambique myanmar nepal netherlands holland nicaragua niger nigeria norway pakistan palestine
    panama paraguay peru philippines poland portugal qatar romania russia rwanda scotland senegal
    serbia sierra leone singapore slovakia slovenia somalia spain sudan sweden switzerland syria
    taiwan tanzania thailand tunisia turkey uganda ukraine uruguay uzbekistan venezuela vietnam
    wales yemen zambia zimbabwe uk usa us states kingdom emirates""".split()
) | frozenset(
    phrase.strip() for phrase in """new zealand|united states|united kingdom|great britain|south africa|sri lanka|saudi arabia|costa rica|
    el salvador|czech republic|dominican republic|ivory coast|sierra leone|united arab emirates|north korea|
    south korea|south sudan|hong kong|puerto rico|papua new guinea|the uk|the us|the usa|the states|
    northern ireland|burkina faso|new guinea|trinidad and tobago|bosnia and herzegovina""".split("|")
)

# Pet forms and nicknames: "bill" and "william" may be the same known person.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "abigail": ("abbie", "abby", "abi", "gail"), "alexander": ("alex", "sandy", "xander"),
    "alexandra": ("alex", "lexi", "sandra"), "andrew": ("andy", "drew"), "anthony": ("tony", "ant"),
    "benjamin": ("ben", "benny"), "catherine": ("cathy", "kate", "katie", "cat"), "charles": ("charlie", "chuck"),
    "christopher": ("chris", "kit"), "daniel": ("dan", "danny"), "david": ("dave", "davey"),
    "deborah": ("debbie", "deb"), "edward": ("ed", "eddie", "ted", "ned"), "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby"),
    "frederick": ("fred", "freddie", "freddy"), "james": ("jim", "jimmy", "jamie"), "jennifer": ("jen", "jenny"),
    "jessica": ("jess", "jessie"), "john": ("jack", "johnny"), "jonathan": ("jon", "jonny"), "joseph": ("joe", "joey"),
    "katherine": ("kate", "katie", "kathy", "kat"), "margaret": ("maggie", "peggy", "meg", "marge"),
    "matthew": ("matt",), "michael": ("mike", "mick", "mickey"), "nicholas": ("nick", "nicky"),
    "patricia": ("pat", "patty", "trish"), "patrick": ("pat", "paddy"), "rebecca": ("becky", "becca"),
    "richard": ("rich", "rick", "ricky", "dick"), "robert": ("rob", "bob", "bobby", "robbie", "bert"),
    "samuel": ("sam", "sammy"), "samantha": ("sam", "sammy"), "stephen": ("steve", "stevie"), "steven": ("steve", "stevie"),
    "susan": ("sue", "susie"), "thomas": ("tom", "tommy"), "timothy": ("tim", "timmy"), "victoria": ("vicky", "tori"),
    "william": ("will", "bill", "billy", "liam", "willy"), "mohammed": ("mo",), "muhammad": ("mo",),
    "aleksander": ("olek",), "katarzyna": ("kasia",), "małgorzata": ("gosia",), "bartosz": ("bartek",),
    "olusegun": ("segun",), "oluwaseun": ("seun",),
}


def _read_words(name: str) -> frozenset[str]:
    words: set[str] = set()
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(w.strip().lower() for w in line.split() if w.strip())
    return frozenset(words)


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    return _read_words("given_names.txt")


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    return _read_words("surnames.txt")


@dataclass(frozen=True)
class Vocabulary:
    """English words known to the loaded spaCy model's lemmatizer (WordNet lemmas)."""

    nouns: frozenset[str]
    others: frozenset[str]  # verbs, adjectives, adverbs: words that are rarely names

    @classmethod
    def from_nlp(cls, nlp: Any) -> "Vocabulary":
        """Read the lemma index of a spaCy English pipeline (empty if it has none)."""
        try:
            table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        except (KeyError, ValueError, AttributeError):
            return cls(frozenset(), frozenset())
        def part(pos: str) -> set[str]:
            try:
                return set(table[pos])
            except KeyError:
                return set()
        others = part("verb") | part("adj") | part("adv")
        return cls(frozenset(part("noun")), frozenset(others))

    def known(self, word: str, lemma: str = "") -> bool:
        """In the vocabulary (the index holds lemmas: "weeks" is known through "week")."""
        w = word.lower()
        lem = (lemma or w).lower()
        return w in self.nouns or w in self.others or w in STOP_WORDS or lem in self.nouns or lem in self.others

    def ordinary(self, word: str, lemma: str = "") -> bool:
        """A word that is more often not a name: a stop word, verb/adjective/adverb, or a name-word."""
        w = word.lower()
        lem = (lemma or w).lower()
        return (w in STOP_WORDS or w in self.others or lem in self.others or w in NAME_WORDS)


def is_given_name(word: str) -> bool:
    return word.lower().strip("'’") in given_names()


def is_surname(word: str) -> bool:
    return word.lower().strip("'’") in surnames()
