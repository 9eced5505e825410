"""Removing personal data from citizens' questions before they are searched or stored.

>>> redact("Ich heiße Tanja Berger, meine Mail ist t.berger@example.org")
'Ich heiße [Name], meine Mail ist [E-Mail]'

Two layers:

1. Detectors for what people type about themselves: e-mail addresses (also written out, "max
   punkt muster at example punkt org"), IBANs, phone numbers, Jobcenter customer and BG
   numbers, court and Widerspruch file numbers, tax, social insurance and identity document
   numbers, licence plates, street addresses, dates of birth, and names: after a cue ("ich
   heiße", "Herr", "Frau Dr.", "mein Sohn", "Gruß", an age in brackets) or alone when they are
   first names. First and last names come from the name lists the ``faker`` package ships (all
   its locales; Cyrillic names also in Latin spellings).
2. For stored text only (``redact(text, vocabulary=lexicon_words)``): every remaining word that
   is neither in the content's vocabulary nor common German is masked as ``[Wort]``: a name
   the detectors missed is almost always such a word. Without a vocabulary (the search path)
   this layer is off, so unusual words still reach the search.

Years, amounts, paragraphs and words such as "Mutter", "Frau" or "Mai" are left alone.
"""
from __future__ import annotations

import datetime as dt
import functools
import importlib
import pkgutil
import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from wordfreq import zipf_frequency

from .analysis import STOP_WORDS, fold, words_of

# Placeholders, as they appear in the stored text.
NAME, EMAIL, PHONE, IBAN = "[Name]", "[E-Mail]", "[Telefon]", "[IBAN]"
NUMBER, FILE_NUMBER, DATE = "[Nummer]", "[Aktenzeichen]", "[Datum]"
ADDRESS, PLATE, WORD = "[Adresse]", "[Kennzeichen]", "[Wort]"
PLACEHOLDERS = (NAME, EMAIL, PHONE, IBAN, NUMBER, FILE_NUMBER, DATE, ADDRESS, PLATE, WORD)

# Below this Zipf frequency (wordfreq, German) a word is rare: a surname after a first name,
# or, in stored text, a word the vocabulary filter masks when the content does not know it.
RARE_ZIPF = 3.0
# The vocabulary filter masks words rarer than this that the content does not use either.
STORED_RARE_ZIPF = 2.5
# After a first name, a capitalised word below this frequency (and no compound of common
# words) is taken for a surname: surnames are common enough in German text to pass RARE_ZIPF.
SURNAME_ZIPF = 3.5


@dataclass(frozen=True)
class Found:
    """A piece of personal data in a text: ``text[start:end]``, to be replaced by ``placeholder``."""

    start: int
    end: int
    placeholder: str


def redact(text: str, vocabulary: Collection[str] | None = None) -> str:
    """``text`` with personal data replaced by placeholders such as ``[Name]``.

    ``vocabulary``: the folded words of the content (``Lexicon.words``). Given, words that are
    neither in it nor common German are masked too (for the stored text).
    """
    found = find_personal_data(text, vocabulary)
    parts, position = [], 0
    for item in found:
        parts.append(text[position:item.start])
        parts.append(item.placeholder)
        position = item.end
    parts.append(text[position:])
    return "".join(parts)


def find_personal_data(text: str, vocabulary: Collection[str] | None = None) -> list[Found]:
    """Every piece of personal data in ``text``, in order, without overlaps."""
    found = list(_structured(text))
    taken = _Taken(found)
    tokens = _tokens(text, taken)
    found.extend(_names(text, tokens, vocabulary, sorted(found, key=lambda f: f.start)))
    if vocabulary is not None:
        taken = _Taken(found)
        found.extend(Found(t.start, t.end, WORD) for t in tokens
                     if not taken.overlaps(t.start, t.end) and _unknown(t.text, vocabulary))
    return _merged(text, found)


# Placeholders and the words that only introduce a piece of personal data, for searching.
_PLACEHOLDER = re.compile(r"\[(?:Name|E-Mail|Telefon|IBAN|Nummer|Aktenzeichen|Datum|Adresse|"
                          r"Kennzeichen|Wort|PLZ Ort)\]")
_CUES = (r"(?:meine?n?\s+)?(?:e-?mail(?:-?adresse)?|mail|tel\.?|telefon(?:nummer)?|handy(?:nummer)?|"
         r"rufnummer|iban|konto(?:nummer)?|bg-?nummer|bg-?nr\.?|kundennummer|kunden-?nr\.?|"
         r"aktenzeichen|az\.?|nummer|nr\.?|geboren(?:\s+am)?|geb\.?|geburtsdatum|adresse|"
         r"anschrift|kennzeichen|(?:ich\s+)?wohne\s+(?:in\s+der|in|am|an\s+der)|unter|bei|am|"
         r"in\s+der)")
_CUE_BEFORE = re.compile(r"(?i)\b" + _CUES + r"\s*(?:ist|lautet)?\s*:?\s*(?=\[(?:E-Mail|IBAN|Nummer|"
                         r"Aktenzeichen|Datum|Telefon|Adresse|Kennzeichen|PLZ Ort)\])")
_NAME_CUE_BEFORE = re.compile(r"(?i)\b(?:ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|mein\s+name:|name:|"
                              r"hier\s+(?:ist|schreibt|spricht)|ich\s+bin\s+(?:die|der))\s+(?=\[Name\])")


def introducing_words(redacted: str) -> set[str]:
    """The words of a redacted text that only introduce its placeholders ("BG-Nr.", "geb.",
    "Tel.", "Kontonummer:" right before a number, date, phone number or IBAN): there they
    label the data. A word that also occurs elsewhere in the text is not one of them; one that
    occurs only as a label is, even where the question is about it ("Kontonummer: DE89...,
    wie ändere ich meine Bankverbindung?" searches "Bankverbindung", not "Kontonummer")."""
    return set(words_of(_PLACEHOLDER.sub(" ", redacted))) - set(words_of(strip_placeholders(redacted)))


def strip_placeholders(text: str) -> str:
    """``text`` without the placeholders ``redact`` put in, nor the words that introduced
    them, for searching."""
    text = _CUE_BEFORE.sub(" ", text)
    text = _NAME_CUE_BEFORE.sub(" ", text)
    return _PLACEHOLDER.sub(" ", text)


# Structured data ------------------------------------------------------------------------------

_TLD = (r"(?:de|com|org|net|eu|info|at|ch|pl|ro|tr|ua|ru|it|fr|es|nl|be|uk|io|biz|email|online|"
        r"me|co|bg|hr|rs|al|gr|cz|sk|hu|lt|lv|ee|dk|se|no|fi|pt|ie|lu|li|sy|iq|af|ir|us)")
_DOT = r"(?:\.|\s\.\s|\s*[(\[]\s*(?:dot|punkt)\s*[)\]]\s*|\s+(?:dot|punkt)\s+)"
_AT = r"(?:\s*@\s*|\s*[(\[]\s*(?:at|ät)\s*[)\]]\s*|\s+(?:at|ät|aet)\s+)"
_EMAIL = re.compile(r"(?<![\w.+-])[\w+-]+(?:" + _DOT + r"[\w+-]+)*" + _AT
                    + r"[\w-]+(?:" + _DOT + r"[\w-]+)*?" + _DOT + _TLD + r"(?![\w-])", re.IGNORECASE)

# Lengths of IBANs by country (ISO 13616 registry).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30,
    "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
_IBAN_START = re.compile(r"(?<![\w])([A-Za-z]{2})(\d{2})(?=[\s-]?[A-Za-z0-9])")
_IBAN_CHUNK = re.compile(r"[\s-]?([A-Za-z0-9]+)")

_BG_NUMBER = re.compile(r"(?<!\w)(?:\d[\s/.-]*){5}BG(?:[\s/.-]*\d){7}(?!\d)", re.IGNORECASE)
_CUSTOMER_NUMBER = re.compile(r"(?<![\w-])\d{3}\s?-?\s?[A-Za-z]\s?-?\s?\d{6}(?![\w-])")
_COURT_FILE = re.compile(r"(?<![\w/])[SLB]\s?\d{1,3}\s?[A-Za-z]{1,3}\s?\d{1,6}/\d{2,4}"
                         r"(?-i:\s(?:B\s)?(?:ER|NZB|KO|PKH|R|B)(?![\w]))*(?![\w/])", re.IGNORECASE)
_OBJECTION_FILE = re.compile(r"(?<![\w/.-])(?:[\d.]+-)?W[\s-]?\d{2,7}/\d{2,4}(?![\w/])", re.IGNORECASE)
_SOCIAL_INSURANCE = re.compile(r"(?<![\w-])\d{2}[\s-]?\d{6}[\s-]?[A-Za-z][\s-]?\d{3}(?![\w-])")
_TAX_ID = re.compile(r"(?<![\w.,])\d{2}\s\d{3}\s\d{3}\s\d{3}(?![\w]|[.,]\d)")
_LONG_NUMBER = re.compile(r"(?<![\w.,])\d{8,}(?![\w])")
# Identity card, passport, residence permit: one token of letters and at least three digits.
_DOCUMENT = re.compile(r"(?<![\w.,/-])(?=[A-Za-z0-9]*[A-Za-z])(?=(?:[A-Za-z]*\d){3})"
                       r"[A-Za-z0-9]{6,12}(?![\w-])")
_UNIT_SUFFIX = re.compile(r"\d+(?:[a-zäöü]{1,6}|[A-Z]{1,3})", re.IGNORECASE)

_PHONE = re.compile(r"(?<![\w+])(?:\+\s?\d{1,3}|00\s?\d{1,3}|\(0\d{1,5}\)|0\d{1,5})"
                    r"(?:(?:\s?/\s?|[\s.-]|\s-\s)?(?:\(0\)\s?)?\(?\d+\)?)*")
_DATE_SHAPE = re.compile(r"\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})?")

_MONTHS = (r"(?:januar|jänner|jan|februar|feb|märz|maerz|mär|mrz|april|apr|mai|juni|jun|juli|jul|"
           r"august|aug|september|sept|sep|oktober|okt|november|nov|dezember|dez)")
_ORDINALS = (r"(?:ersten|zweiten|dritten|vierten|fünften|sechsten|siebten|achten|neunten|zehnten|"
             r"elften|zwölften|\w{3,7}zehnten|zwanzigsten|\w{3,6}undzwanzigsten|dreißigsten|"
             r"einunddreißigsten)")
_DATES = [
    re.compile(r"(?<![\w.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?!\w|\.\d)"),
    re.compile(r"(?<![\w/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\w/])"),
    re.compile(r"(?<![\w])(?P<year>\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\w)"),
    re.compile(r"(?<![\w])(?:\d{1,2}\.?|" + _ORDINALS + r")\s*" + _MONTHS
               + r"\.?\s*(?P<word_year>\d{4}|'?\d{2})(?!\w)", re.IGNORECASE),
]
_BIRTH_BEFORE = re.compile(r"(?i)(?:geb\.|geboren|geburts\w*|\*|dob|jahrgang|geb)\W*(?:\w+\W+){0,3}$")
_BIRTH_AFTER = re.compile(r"(?i)^\W*(?:\w+\W+){0,2}geboren")

# Licence plates: district, letters, digits ("B-AB 1234", "HH-Q 42E", "PL WZ 12345").
_PLATE = re.compile(r"(?<![\w-])([A-ZÄÖÜ]{1,3})[-\s]([A-Z]{1,2})[-\s]?(\d{1,5}[EH]?)(?![\w-])")
_NOT_DISTRICTS = {"SGB", "BGB", "GG", "SGG", "AO", "ZPO", "ALG", "EU", "USA", "KDU", "WG"}
_ROMAN = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|XI{0,3}|X)$")

# Cues after which a run of number-like tokens is an identifier.
_NUMBER_CUES = re.compile(
    r"(?i)\b(?:aktenzeichen|az\.?|gz\.?|geschäftszeichen|zeichen|vorgangsnummer|bescheidnummer|"
    r"kunden-?nummer|kundennr\.?|kunden-?nr\.?|kd\.?-?nr\.?|bg-?nr\.?|bg-?nummer|bg|"
    r"bedarfsgemeinschafts-?nummer|(?:sozial|renten)?versicherungs-?nummer|sv-?nr\.?|sv-?nummer|"
    r"rv-?nr\.?|steuer-?id|steuerid|idnr|steuer-?identifikationsnummer|steuernummer|"
    r"ausweis-?nummer|ausweis-?nr\.?|personalausweis(?:nummer)?|pass-?nummer|reisepass(?:nummer)?|"
    r"pass(?:-?nr\.?)?|aufenthaltstitel|(?P<plate>kennzeichen|kfz-kennzeichen|nummernschild)|"
    r"(?P<phone>tel\.?|telefon(?:nummer)?|handy(?:nummer)?|mobil(?:nummer)?|rufnummer|"
    r"festnetz(?:nummer)?|whatsapp)|nummer|nr\.?)"
    r"(?:\s*\((?:id)\))?[\s:]*(?:(?:ist|lautet|ist\s+die|lautet\s+die|nr\.?|nummer)[\s:]+)?")
_RUN_TOKEN = re.compile(r"[\s:-]*([\w./-]*[\w])")

_HOUSE = r"\s*\d{1,3}(?:\s?[a-hA-H](?![\w]))?(?:\s?[/-]\s?\d{1,3})?(?![\w]|[,.]\d)"
_STRONG_STREET = r"(?:stra(?:ß|ss)e|str\.?|allee|gasse|damm|ufer|chaussee|promenade)"
_WEAK_STREET = (r"(?:weg|platz|ring|markt|hof|berg|graben|tor|kamp|wall|stieg|steig|pfad|zeile|"
                r"anger|feld|garten|park|brücke|höhe|grund|winkel|hain|aue|siedlung|reihe|wiese|bogen)")
_ADJECTIVE = (r"(?:Alte[rns]?|Neue[rns]?|Lange[rns]?|Große[rns]?|Kleine[rns]?|Hohe[rns]?|Obere[rns]?|"
              r"Untere[rns]?|Breite[rns]?|Krumme[rns]?|Sankt|St\.)")
_STREET_WORD = re.compile(
    r"(?<![\w-])(?:" + _ADJECTIVE + r"\s+)?(?P<street>[A-ZÄÖÜa-zäöü][\wäöüß]*(?:-[\wäöüß]+)*?-?"
    r"(?:(?P<strong>" + _STRONG_STREET + r")|(?P<weak>" + _WEAK_STREET + r")))"
    r"(?P<house>" + _HOUSE + r")", re.IGNORECASE)
_STREET_TWO_WORDS = re.compile(
    r"(?<![\w-])[A-ZÄÖÜ][\wäöüß-]+(?:er|e|es|sche[rns]?)\s+(?:Straße|Strasse|Str\.|Weg|Platz|Allee|"
    r"Ring|Damm|Markt|Ufer|Gasse|Chaussee|Tor|Brücke)(?P<house>" + _HOUSE + r")")
_STREET_PREPOSITION = re.compile(
    r"(?<![\w-])(?:Am|An\s+der|An\s+den|Auf\s+dem|Auf\s+der|Auf\s+den|Im|In\s+der|In\s+den|Zum|Zur|"
    r"Hinter\s+dem|Hinter\s+der|Hinter\s+den|Unter\s+den|Unter\s+der|Vor\s+dem|Vor\s+der|Beim|"
    r"Bei\s+der|Über\s+der|Zu\s+den|" + _ADJECTIVE + r")\s+(?P<noun>[A-ZÄÖÜ][\wäöüß-]+)"
    r"(?:\s+[A-ZÄÖÜ][\wäöüß-]+)?(?P<house>" + _HOUSE + r")")
_ADDRESS_CUE = re.compile(r"(?i)(?:wohne|wohnen|wohnt|wohnhaft|adresse|anschrift|ziehe|ziehen|"
                          r"zieht|gezogen|post|in\s+der|in\s+die|im|am|an\s+der|zum|zur)\W*$")
_POSTCODE_TOWN = re.compile(r"(?<![\w.,])(?:D-)?(?P<code>\d{5})\s+(?P<town>[A-ZÄÖÜa-zäöü][\wäöüß]*"
                            r"(?:-[\wäöüß]+)*)"
                            r"(?:\s(?:am|an\s+der|in|im|ob\s+der|bei)\s[A-ZÄÖÜ][\wäöüß-]+)?")
_UNITS = {"euro", "eur", "€", "km", "m", "qm", "m²", "prozent", "%", "jahr", "jahre", "jahren",
          "monat", "monate", "monaten", "tag", "tage", "tagen", "woche", "wochen", "minuten",
          "stunden", "std", "uhr", "kinder", "kind", "personen", "person", "leute", "zimmer",
          "mal", "x", "stück", "einwohner", "menschen", "mitglieder", "schritte", "seiten",
          "punkte", "bewerbungen", "km/h", "cent", "dollar", "zloty", "lira", "franken"}
_NOUN_SUFFIX = re.compile(r"(?:ung|heit|keit|schaft|ion|tät|nis|ismus|ment)$")
_TIME_WORDS = {"montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
               "januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
               "oktober", "november", "dezember", "tag", "monat", "jahr", "ende", "anfang",
               "wochenende", "moment", "termin", "alter", "schnitt", "durchschnitt", "prinzip",
               "zeitraum", "bescheid", "antrag", "haushalt", "vertrag", "bereich", "fall"}


def _structured(text: str) -> Iterator[Found]:
    yield from (Found(m.start(), m.end(), EMAIL) for m in _EMAIL.finditer(text))
    yield from _ibans(text)
    for pattern, placeholder in ((_BG_NUMBER, NUMBER), (_COURT_FILE, FILE_NUMBER),
                                 (_OBJECTION_FILE, FILE_NUMBER), (_SOCIAL_INSURANCE, NUMBER),
                                 (_CUSTOMER_NUMBER, NUMBER), (_TAX_ID, NUMBER)):
        yield from (Found(m.start(), m.end(), placeholder) for m in pattern.finditer(text))
    yield from _dates(text)
    yield from _phones(text)
    yield from (Found(m.start(), m.end(), NUMBER) for m in _LONG_NUMBER.finditer(text))
    for m in _DOCUMENT.finditer(text):
        if not _UNIT_SUFFIX.fullmatch(m.group()):
            yield Found(m.start(), m.end(), NUMBER)
    yield from _plates(text)
    yield from _after_number_cues(text)
    yield from _addresses(text)


def _ibans(text: str) -> Iterator[Found]:
    for m in _IBAN_START.finditer(text):
        country = m.group(1).upper()
        wanted = _IBAN_LENGTHS.get(country)
        length, end = 4, m.end()
        for chunk in _IBAN_CHUNK.finditer(text, m.end()):
            if chunk.start() != end:
                break
            part = chunk.group(1)
            if wanted is None and not any(ch.isdigit() for ch in part):
                break
            if length + len(part) > (wanted or 34):
                break
            length, end = length + len(part), chunk.end()
            if length == wanted:
                break
        if length >= 12:
            yield Found(m.start(), end, IBAN)


def _phones(text: str) -> Iterator[Found]:
    for m in _PHONE.finditer(text):
        number = m.group().rstrip(" -/.")
        digits = sum(ch.isdigit() for ch in number)
        if not 7 <= digits <= 16 or _DATE_SHAPE.fullmatch(number):
            continue
        if number.count(".") > 1:
            continue
        yield Found(m.start(), m.start() + len(number), PHONE)


def _year(value: str) -> int:
    value = value.lstrip("'")
    year = int(value)
    if len(value) == 2:
        this = dt.date.today().year % 100
        year += 2000 if year <= this else 1900
    return year


def _dates(text: str) -> Iterator[Found]:
    """Full dates that are dates of birth: after or before "geboren", or too long ago for a
    letter the citizen is asking about."""
    oldest_recent = dt.date.today().year - 15
    for pattern in _DATES:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            year = groups.get("year") or groups.get("word_year") or m.group(3)
            birth = (_BIRTH_BEFORE.search(text[max(0, m.start() - 40):m.start()])
                     or _BIRTH_AFTER.search(text[m.end():m.end() + 30]))
            if birth or _year(year) < oldest_recent:
                yield Found(m.start(), m.end(), DATE)


def _plates(text: str) -> Iterator[Found]:
    for m in _PLATE.finditer(text):
        if m.group(1) in _NOT_DISTRICTS or _ROMAN.match(m.group(2)):
            continue
        yield Found(m.start(), m.end(), PLATE)


def _after_number_cues(text: str) -> Iterator[Found]:
    """After "Kundennummer", "Az.", "Tel.", "Kennzeichen" ...: the run of tokens with digits
    (and short letter groups between them, as in "S 12 AS 3456/24" or "PO 12345")."""
    for cue in _NUMBER_CUES.finditer(text):
        run: list[re.Match] = []
        position = cue.end()
        while True:
            m = _RUN_TOKEN.match(text, position)
            if m is None:
                break
            token = m.group(1)
            has_digit = any(ch.isdigit() for ch in token)
            if not has_digit and not all(len(p) <= 3 and p.isalpha() for p in token.split("-")):
                break
            if not has_digit and run == [] and token in _FUNCTION:
                break
            run.append(m)
            position = m.end()
        while run and not any(ch.isdigit() for ch in run[-1].group(1)):
            run.pop()
        digits = sum(ch.isdigit() for m in run for ch in m.group(1))
        if run and digits >= (1 if cue.group("plate") else 3):
            placeholder = PLATE if cue.group("plate") else PHONE if cue.group("phone") else NUMBER
            yield Found(run[0].start(1), run[-1].end(1), placeholder)


def _unit_follows(text: str, end: int) -> bool:
    after = text[end:end + 12].strip().lower()
    word = re.match(r"[\w€%²/]+", after)
    return bool(word) and word.group() in _UNITS


def _addresses(text: str) -> Iterator[Found]:
    for m in _STREET_WORD.finditer(text):
        house = m.group("house")
        if _unit_follows(text, m.end()) or int(re.match(r"\s*(\d+)", house).group(1)) == 0:
            continue
        street = m.group("street")
        if m.group("weak") and is_common(street) and not _ADDRESS_CUE.search(text[:m.start()]):
            continue
        yield Found(m.start(), m.end(), ADDRESS)
    for m in _STREET_TWO_WORDS.finditer(text):
        if not _unit_follows(text, m.end()):
            yield Found(m.start(), m.end(), ADDRESS)
    for m in _STREET_PREPOSITION.finditer(text):
        if m.group("noun").lower() in _TIME_WORDS or _unit_follows(text, m.end()):
            continue
        yield Found(m.start(), m.end(), ADDRESS)
    for m in _POSTCODE_TOWN.finditer(text):
        town = m.group("town")
        if m.group("code").startswith("00") or town.lower() in _UNITS:
            continue
        if town[0].islower() and _plain(town) not in _CITIES and not re.search(
                r"(?i)\b(?:in|nach|aus|wohne|wohnen|plz)\W*$", text[:m.start()]):
            continue
        if town[0].isupper() and _NOUN_SUFFIX.search(town) and _plain(town) not in _CITIES:
            continue
        yield Found(m.start(), m.end(), ADDRESS)


# Names ----------------------------------------------------------------------------------------

def _plain(word: str) -> str:
    """Lower case without accents: "Aydın" and "aydin", "Wiśniewska" and "wisniewska" match."""
    word = word.lower().replace("ß", "ss").replace("ı", "i").replace("ł", "l").replace("ø", "o")
    if word.isascii():
        return word
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


# Cyrillic letters in three common Latin spellings: Ukrainian passport (KMU 2010), English,
# German. Ukrainian and Russian names reach the name lists as Ukrainians in Germany write them.
_CYRILLIC = {
    "а": ("a", "a", "a"), "б": ("b", "b", "b"), "в": ("v", "v", "w"), "г": ("h", "g", "g"),
    "ґ": ("g", "g", "g"), "д": ("d", "d", "d"), "е": ("e", "e", "e"), "є": ("ie", "ye", "je"),
    "ё": ("io", "yo", "jo"), "ж": ("zh", "zh", "sch"), "з": ("z", "z", "s"), "и": ("y", "i", "i"),
    "і": ("i", "i", "i"), "ї": ("i", "yi", "ji"), "й": ("i", "y", "j"), "к": ("k", "k", "k"),
    "л": ("l", "l", "l"), "м": ("m", "m", "m"), "н": ("n", "n", "n"), "о": ("o", "o", "o"),
    "п": ("p", "p", "p"), "р": ("r", "r", "r"), "с": ("s", "s", "s"), "т": ("t", "t", "t"),
    "у": ("u", "u", "u"), "ф": ("f", "f", "f"), "х": ("kh", "kh", "ch"), "ц": ("ts", "ts", "z"),
    "ч": ("ch", "ch", "tsch"), "ш": ("sh", "sh", "sch"), "щ": ("shch", "shch", "schtsch"),
    "ь": ("", "", ""), "ъ": ("", "", ""), "ы": ("y", "y", "y"), "э": ("e", "e", "e"),
    "ю": ("iu", "yu", "ju"), "я": ("ia", "ya", "ja"), "'": ("", "", ""), "’": ("", "", ""),
}


def _latin(name: str) -> list[str]:
    """``name`` and, for a Cyrillic name, its Latin spellings; [] for other scripts."""
    if all(ord(ch) < 0x250 or not ch.isalpha() for ch in name):
        return [name]
    if not all(ch.lower() in _CYRILLIC or not ch.isalpha() for ch in name):
        return []
    return ["".join(_CYRILLIC.get(ch.lower(), (ch,) * 3)[style] for ch in name) for style in range(3)]


def _spellings(name: str) -> set[str]:
    """The forms of ``name`` that ``_listed`` looks up: exact lower case, without accents, and
    umlauts written out ("jürgen", "jurgen", "juergen")."""
    lower = name.lower()
    written_out = lower.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return {lower, _plain(lower), _plain(written_out)}


def _load_name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """First and last names of every locale ``faker`` ships, in the forms of ``_spellings``."""
    import faker.providers.person as person

    first: set[str] = set()
    last: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attribute, value in vars(provider).items():
            if attribute.startswith("first_name"):
                target = first
            elif "last_name" in attribute:
                target = last
            else:
                continue
            if isinstance(value, dict):
                value = value.keys()
            elif not isinstance(value, (tuple, list, set, frozenset)):
                continue
            for name in value:
                if isinstance(name, str):
                    for spelling in _latin(name):
                        if len(spelling) > 1:
                            target.update(_spellings(spelling))
    return frozenset(first), frozenset(last)


def _load_cities() -> frozenset[str]:
    from faker.providers.address.de_DE import Provider
    return frozenset(_plain(city) for city in Provider.cities)


FIRST_NAMES, LAST_NAMES = _load_name_lists()
_CITIES = _load_cities() | {"berlin", "hamburg", "munchen", "koln", "frankfurt", "stuttgart",
                            "dusseldorf", "leipzig", "dortmund", "essen", "bremen", "dresden",
                            "hannover", "nurnberg", "duisburg", "bochum", "wuppertal", "bielefeld",
                            "bonn", "munster", "mannheim", "karlsruhe", "augsburg", "wiesbaden"}

# Words that are first names somewhere but ordinary German words (or sentence openers) here.
COMMON_WORDS = frozenset(_plain(w) for w in """
    ab alle allen alter am an ander anders angel april art as auf august aus baby bald beat
    beste beta bett bild bitten boss bot brand burg case cash chance christen corona dank dann
    darin davon davor dick ding dom eben echo ecke eimer einer el engel ernst essen euro fan
    fern ferne forum foto frau frieden gang general genie glück grad gut halle handy hart heide
    helle herr hervor hoffnung horn islam job juli jung juni kaiser kern kiefer kind kino klar
    klare lage lasse leider liebe lies linden line linie link magen mai mal male malen mama man
    marine mark mars media mehr mein mist mit nazi nie november oder oma opa osten papa park
    pastor per pink post prima rand rein reine rock rosa rose saal sage schwarz see sie sieger
    sinne solange sommer sonne stein stern super tag tage tal titel tod ton tor tore uni uno van
    vita vom von vorm wende west will wille winter wirt wolf yoga zu
    """.split())
# Nouns that follow "Herr" or "Frau" without being a name ("Frau Doktor", "Herr Sachbearbeiter").
_ROLES = frozenset("""
    doktor doktorin professor professorin sachbearbeiter sachbearbeiterin pfarrer pfarrerin
    minister ministerin präsident präsidentin bürgermeister bürgermeisterin kollege kollegin
    nachbar nachbarin anwalt anwältin rechtsanwalt rechtsanwältin vorsitzende vorsitzender
    direktor direktorin lehrer lehrerin chef chefin vermieter vermieterin
    """.split())
# A "Herr" or "Frau" after these is a man or woman, not a title ("meine Frau Anna" is still
# caught by the relation rule).
_DETERMINERS = frozenset("""
    der die das den dem des ein eine einer einem einen eines mein meine meiner meinem meinen
    meines dein deine deiner deinem deinen sein seine seiner seinem seinen ihr ihre ihrer ihrem
    ihren unser unsere unserer unserem unseren euer eure kein keine keiner keinem jede jeder
    jedem diese dieser diesem welche welcher als junge jungen alte alten ältere älteren
    alleinerziehende alleinerziehenden alleinstehende schwangere ledige geschiedene
    verheiratete arbeitslose berufstätige andere anderen zweite
    """.split())
_RELATIONS = frozenset(_plain(w) for w in """
    mann frau ehemann ehefrau sohn tochter kind kinder bruder schwester freund freundin partner
    partnerin lebensgefährte lebensgefährtin lebenspartner lebenspartnerin mutter vater oma
    opa großmutter großvater onkel tante neffe nichte cousin cousine enkel enkelin enkelsohn
    schwiegermutter schwiegervater schwiegersohn schwiegertochter schwager schwägerin
    stiefsohn stieftochter stiefvater stiefmutter nachbar nachbarin vermieter vermieterin
    sachbearbeiter sachbearbeiterin betreuer betreuerin fallmanager fallmanagerin
    ansprechpartner ansprechpartnerin arbeitgeber arbeitgeberin chef chefin anwalt anwältin
    ex ex-mann ex-frau exmann exfrau ex-partner ex-partnerin kollege kollegin mitbewohner
    mitbewohnerin kleine kleiner baby verlobte verlobter
    """.split())
_POSSESSIVES = frozenset("""
    mein meine meinem meinen meiner meines unser unsere unserem unseren unserer dein deine
    deinem deinen sein seine seinem seinen ihr ihre ihrem ihren der die dem den des
    """.split())
_TITLES = frozenset("dr prof med dipl ing mag dott rer nat phil jur habil h.c".split())
_PARTICLES = frozenset("von van der den de da di del della dos du al el bin ibn ben zu ter ten le "
                       "la".split())
# Cues after which the next words are a name however they are written ("ich heiße olga").
_STRONG_CUES = re.compile(
    r"(?i)(?:\bich\s+hei(?:ß|ss)e|\bich\s+hie(?:ß|ss)|\bmein\s+(?:vor-?|nach-?|voller\s+)?name\s+"
    r"(?:ist|lautet|war)|\bmein\s+name\s*[:?]|\bname\s*:|\bvorname\s*:|\bnachname\s*:|\bhier\s+"
    r"(?:ist|schreibt|spricht)|\bfrage\s+von|\bantragsteller(?:in)?\s*:?|\babsender(?:in)?\s*:|"
    r"\bkläger(?:in)?|\bich\s*,|\bunterschrift\s*:|\bgez\.)[\s,:]*$")
# Cues after which a capitalised word is a name ("Gruß Petra", "LG Jacqueline").
_GREETING_CUES = re.compile(r"(?i)(?:\bgr(?:ü|ue|u)(?:ß|ss)(?:e|en)?|\blg|\bvg|\bmfg)"
                            r"[\s,:]*(?:von\s+)?(?:[a-zäöü]\.\s*)?$")
# Cues after which a first name, or a capitalised rare word, is a name ("ich bin Yonas").
_WEAK_CUES = re.compile(r"(?i)\b(?:ich\s+bin|bin|hallo|hi|moin|servus|danke|hier|familie|"
                        r"hei(?:ß|ss)t|hei(?:ß|ss)en)"
                        r"(?:\s+(?:die|der))?[\s,]*$")
_AGE_AFTER = re.compile(r"^\s*(?:\(\s*\d{1,2}\s*(?:j\.?|jahre)?\s*\)|,\s*\d{1,2}(?![\d.])|"
                        r"\s\d{1,2}\s*jahre?\b|\s(?:ist|wird|wurde)\s+(?:jetzt\s+|gerade\s+|"
                        r"erst\s+|schon\s+)?\d{1,2}\b)", re.IGNORECASE)
_STATUS_SUFFIX = re.compile(r"(?:er|erin|in|innen|ling|ent|entin|ant|antin|ist|istin|e|ige|iger|end)$")
_FUNCTION = STOP_WORDS | frozenset("""
    ist bin sind war hat habe haben wird werde kann muss soll darf will möchte mochte geht
    gehen kommt komme aus seit wegen bitte danke hallo ja nein auch noch schon jetzt heute
    morgen gestern immer nie mehr weniger ganz gar sehr etwa circa ca bzw usw
    """.split())


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


class _Taken:
    """Spans already found, to keep the name rules off them."""

    def __init__(self, found: list[Found]):
        self.spans = sorted((f.start, f.end) for f in found)

    def overlaps(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.spans)


def _tokens(text: str, taken: _Taken) -> list[_Token]:
    return [_Token(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)
            if not taken.overlaps(m.start(), m.end())]


@functools.lru_cache(maxsize=65_536)
def _zipf(word: str) -> float:
    return zipf_frequency(word, "de")


def is_common(word: str) -> bool:
    """True for words common in German text at large (Zipf >= ``RARE_ZIPF``)."""
    return _zipf(word) >= RARE_ZIPF


def _parts(word: str) -> list[str]:
    return [p for p in re.split(r"['’-]", word) if p]


def _listed(word: str, names: frozenset[str]) -> bool:
    """Whether ``word`` is in ``names`` (``_plain`` forms plus the exact lower-case ones). A
    German umlaut must be as listed: "Lösen" is not "Losen"; other accents may be left out."""
    lower = word.lower()
    if lower in names:
        return True
    if any(ch in "äöüß" for ch in lower):
        return False
    return _plain(lower) in names


def _first_name(word: str) -> bool:
    parts = _parts(word)
    return bool(parts) and all(_listed(p, FIRST_NAMES) and _plain(p) not in COMMON_WORDS
                               and p.lower() not in _FUNCTION for p in parts)


def _last_name(word: str) -> bool:
    parts = _parts(word)
    return bool(parts) and all(_listed(p, LAST_NAMES) or _listed(p, FIRST_NAMES) for p in parts)


def _in_vocabulary(word: str, vocabulary: Collection[str] | None) -> bool:
    return vocabulary is not None and all(fold(p) in vocabulary for p in _parts(word))


def _rare(word: str, vocabulary: Collection[str] | None) -> bool:
    return not is_common(word) and not _in_vocabulary(word, vocabulary)


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _name_start(token: _Token, vocabulary, strong: bool) -> bool:
    """Whether ``token`` can start a name after a cue (``strong``: "ich heiße", "Herr")."""
    word = token.text
    plain = _plain(word)
    if plain in _FUNCTION or fold(word) in _FUNCTION:
        return False
    if _first_name(word):
        return True
    if strong:
        if _capitalised(word):
            return plain not in _ROLES and (_last_name(word) or _rare(word, vocabulary) or "-" in word
                                            or not _known_compound(word))
        return _last_name(word) or _zipf(word) < 4.2
    return (_capitalised(word) and _rare(word, vocabulary) and not _known_compound(word)
            and not _STATUS_SUFFIX.search(plain))


def _after_title(token: _Token, vocabulary) -> bool:
    """Whether ``token`` after "Herr" or "Frau" is a name: written with a capital, almost
    always ("Frau Richter", "Herr Nasser"); in lower case, when it is a name or no common word."""
    word, plain = token.text, _plain(token.text)
    if plain in _FUNCTION or plain in _ROLES:
        return False
    if _capitalised(word):
        return True
    return _first_name(word) or _last_name(word) or _zipf(word) < 4.2


def _name_continues(token: _Token, first: _Token, vocabulary) -> bool:
    """Whether ``token`` after a name is more of it (a second first name, a surname)."""
    word = token.text
    if _plain(word) in _FUNCTION:
        return False
    if _capitalised(first.text) and not _capitalised(word):
        return False
    if "-" in word and all(_capitalised(p) for p in _parts(word)) and _capitalised(first.text):
        return True
    if _first_name(word) or _last_name(word) or _rare(word, vocabulary):
        return True
    # A capitalised word right after a first name is a surname unless it is a common noun:
    # "Sonja Reichelt", "Marcel Janßen", but "Hat Anna Anspruch", "Kann Jonas Kindergeld".
    return (_capitalised(word) and _zipf(word) < SURNAME_ZIPF and not _known_compound(word)
            and not _in_vocabulary(word, vocabulary))


# A word that labels the piece of data found right after it is no name: "IBAN DE89 3704 ..."
# ("Iban" is also a first name, and "Iban 7 Jahre" or "Grüße Iban 0171 ..." still name him),
# "Tel. 0171 ...", "Mail: a@b.de". Each placeholder with the words that label its data.
_LABELS = {IBAN: {"iban", "bic", "konto", "kontonummer"}, PHONE: {"tel", "telefon", "handy"},
           EMAIL: {"mail", "email", "e-mail"}, NUMBER: {"nr", "bg", "konto", "kontonummer"},
           FILE_NUMBER: {"az"}, DATE: {"geb"}}
_LABEL_GAP = re.compile(r"[.:]?\s*")


def _labels_data(token: _Token, text: str, structured: list[Found]) -> bool:
    """Whether ``token`` labels the structured find right after it."""
    after = next((f for f in structured if f.start >= token.end), None)
    return (after is not None and _plain(token.text) in _LABELS.get(after.placeholder, ())
            and _LABEL_GAP.fullmatch(text, token.end, after.start) is not None)


def _names(text: str, tokens: list[_Token], vocabulary, structured: list[Found]) -> Iterator[Found]:
    marked: set[int] = set()

    def take(i: int) -> None:
        """Mark token ``i`` and the name words that follow it."""
        marked.add(i)
        j = i + 1
        while j < len(tokens) and j - i <= 4:
            gap = text[tokens[j - 1].end:tokens[j].start]
            if gap.strip(" ") not in ("", "-"):
                break
            k = j
            while k < len(tokens) and _plain(tokens[k].text) in _PARTICLES and k - j < 2:
                k += 1
            if (k > j and k < len(tokens) and _capitalised(tokens[k].text)
                    and text[tokens[j].start:tokens[k].start].count(" ") == k - j):
                marked.update(range(j, k + 1))
                j = k + 1
                continue
            if _labels_data(tokens[j], text, structured) or not _name_continues(tokens[j], tokens[i], vocabulary):
                break
            marked.add(j)
            j += 1

    for i, token in enumerate(tokens):
        before = text[max(0, token.start - 60):token.start]
        word, plain = token.text, _plain(token.text)
        previous = tokens[i - 1] if i > 0 else None
        adjacent = previous is not None and text[previous.end:token.start].strip(" ,:(\"'") == ""
        # Herr / Frau / Hr. / Fr. as a title, then academic titles, then the name.
        if plain in ("herr", "herrn", "frau", "hr", "fr") and not (
                previous and adjacent and _plain(previous.text) in _DETERMINERS):
            if plain in ("hr", "fr") and not text[token.end:token.end + 1] == ".":
                continue
            j = i + 1
            while j < len(tokens) and _plain(tokens[j].text) in _TITLES:
                j += 1
            if j < len(tokens) and text[tokens[j - 1].end:tokens[j].start].strip(" .") == "" \
                    and _after_title(tokens[j], vocabulary):
                take(j)
            continue
        if i in marked or _labels_data(token, text, structured):
            continue
        greeting = _GREETING_CUES.search(before)
        strong = _STRONG_CUES.search(before) or (greeting and (_capitalised(word) or _last_name(word)))
        if strong and plain not in _RELATIONS and _name_start(token, vocabulary, strong=True):
            take(i)
            continue
        if _WEAK_CUES.search(before) and _name_start(token, vocabulary, strong=False):
            take(i)
            continue
        # After "meine Tochter", or before an age, a listed first name is one even where it is
        # also a word ("meine tochter rosa ist 7").
        age = _AGE_AFTER.match(text[token.end:])
        listed = _listed(word, FIRST_NAMES) and plain not in _FUNCTION and (_capitalised(word) or age)
        if (previous is not None and adjacent and _plain(previous.text) in _RELATIONS
                and i >= 2 and _plain(tokens[i - 2].text) in _POSSESSIVES
                and (_first_name(word) or listed
                     or (_rare(word, vocabulary) and not _known_compound(word)
                         and (_capitalised(word) or not _STATUS_SUFFIX.search(plain))
                         and plain not in _FUNCTION))):
            take(i)
            continue
        if age and (_first_name(word) or listed or (_capitalised(word) and _rare(word, vocabulary))):
            take(i)
            continue
        if _capitalised(word) and _first_name(word) and plain not in _CITIES:
            take(i)
    for i in sorted(marked):
        yield Found(tokens[i].start, tokens[i].end, NAME)


# The vocabulary filter ---------------------------------------------------------------------

_LINKS = ("", "s", "es", "n", "en", "e", "er")


@functools.lru_cache(maxsize=65_536)
def _known_compound(word: str) -> bool:
    """Whether ``word`` splits into two or three common German words ("Sofortzuschlag")."""
    return len(word) >= 8 and _splits(word.lower(), depth=0)


def _splits(word: str, depth: int) -> bool:
    if depth > 2 or len(word) < 6:
        return False
    for i in range(len(word) - 3, 2, -1):
        head, tail = word[:i], word[i:]
        for link in _LINKS:
            if link and not head.endswith(link):
                continue
            stem = head[:len(head) - len(link)] if link else head
            if len(stem) >= 3 and _zipf(stem) >= RARE_ZIPF:
                if (len(tail) >= 3 and _zipf(tail) >= RARE_ZIPF) or _splits(tail, depth + 1):
                    return True
    return False


def _unknown(word: str, vocabulary: Collection[str]) -> bool:
    """A word the vocabulary filter masks: neither in the content nor common German, nor a
    typo of a content word ("jobcenetr", which staff want to see); a capitalised word only
    from six letters on counts as a typo, shorter ones are names too often."""
    if len(word) < 3 or _in_vocabulary(word, vocabulary):
        return False
    if not any(_zipf(p) < STORED_RARE_ZIPF and not _known_compound(p) and fold(p) not in vocabulary
               for p in _parts(word)):
        return False
    if _capitalised(word) and len(word) < 6:
        return True
    return not _typo_of(fold(word), vocabulary)


_typo_words: tuple[int, list[str]] = (0, [])


def _typo_of(word: str, vocabulary: Collection[str]) -> bool:
    """Whether ``word`` is one edit (two in words over 7 letters) from a word of ``vocabulary``,
    the rule of the search's typo correction."""
    global _typo_words
    if len(word) < 4 or not vocabulary:
        return False
    if _typo_words[0] != id(vocabulary):
        _typo_words = (id(vocabulary), sorted(w for w in vocabulary if len(w) >= 3 and w.isalpha()))
    edits = 1 if len(word) <= 7 else 2
    candidates = [w for w in _typo_words[1] if abs(len(w) - len(word)) <= edits]
    return process.extractOne(word, candidates, scorer=Levenshtein.distance, score_cutoff=edits) is not None


def _merged(text: str, found: list[Found]) -> list[Found]:
    """``found`` in order, overlapping spans joined (the first one's placeholder wins), and
    so are spans of the same kind with only spaces between them ("[Name]", not "[Name] [Name]")."""
    result: list[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -f.end)):
        if result:
            last = result[-1]
            touching = (item.placeholder == last.placeholder and item.start >= last.end
                        and text[last.end:item.start].strip(" -") == "")
            if item.start < last.end or touching:
                if item.end > last.end:
                    result[-1] = Found(last.start, item.end, last.placeholder)
                continue
        result.append(item)
    return result
