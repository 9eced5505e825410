"""Removing personal data from citizens' questions before they are searched or stored.

>>> redact("Ich heiße Tanja Berger, meine Mail ist t.berger@example.org")
'Ich heiße [Name], meine Mail ist [E-Mail]'
"""
from __future__ import annotations

import re

_NAME = r"[A-ZÄÖÜ][a-zäöüß]+(?:[-\s][A-ZÄÖÜ][a-zäöüß]+){0,2}"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("[E-Mail]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("[IBAN]", re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?\b")),
    # BG-Nummer / Kundennummer: "BG-Nr. 12345BG0012345", "Kundennummer 123A456789"
    ("[Nummer]", re.compile(
        r"(?i)\b(?:bg|bedarfsgemeinschafts|kunden)[\s-]*(?:nummer|nr\.?)\s*[:.]?\s*[\w/-]*\d[\w/-]*")),
    ("[Nummer]", re.compile(r"\b\d{3,5}\s?BG\s?\d{5,8}\b", re.IGNORECASE)),
    ("[Datum]", re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)?\d{2}\b")),
    ("[Telefon]", re.compile(r"(?<![\w.])(?:\+|00)?\d[\d /()-]{6,}\d\b")),
    ("[Adresse]", re.compile(
        r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm)"
        r"\s+\d+\s?[a-z]?\b(?:,?\s*\d{5}\s+[A-ZÄÖÜ][\wäöüß-]+)?", re.UNICODE)),
    ("[PLZ Ort]", re.compile(r"\b\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+(?:[-\s][A-ZÄÖÜ][a-zäöüß]+)?\b")),
]

# A name after "ich heiße", "mein Name ist", "ich bin die/der" (capitalised: one to three
# words; all lower case, as citizens often type: one or two words).
_NAME_INTRO = r"(?i:ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|mein\s+name:|name:|hier\s+(?:ist|schreibt))"
_NAME_AFTER = re.compile(r"\b(" + _NAME_INTRO + r")\s+(" + _NAME + r"|[a-zäöüß]+(?:[-\s][a-zäöüß]+)?)")
_NAME_BIN = re.compile(r"\b((?i:ich\s+bin\s+(?:die|der)))\s+(" + _NAME + r")")


def redact(text: str) -> str:
    """``text`` with names, e-mail addresses, phone numbers, IBANs, dates of birth,
    BG / customer numbers and street addresses replaced by placeholders."""
    for placeholder, pattern in PATTERNS:
        text = pattern.sub(placeholder, text)
    # Lower-case names after "ich heiße"/"mein name ist" (citizens often type all lower case).
    text = _NAME_AFTER.sub(lambda m: f"{m.group(1)} [Name]", text)
    text = _NAME_BIN.sub(lambda m: f"{m.group(1)} [Name]", text)
    return text


# Words that only introduce a piece of personal data ("meine Mail ist [E-Mail]").
_CUES = (r"(?:meine?n?\s+)?(?:e-?mail(?:-?adresse)?|mail|tel\.?|telefon(?:nummer)?|handy(?:nummer)?|"
         r"rufnummer|iban|konto(?:nummer)?|bg-?nummer|kundennummer|nummer|geboren(?:\s+am)?|geb\.?|"
         r"geburtsdatum|adresse|anschrift|(?:ich\s+)?wohne\s+(?:in\s+der|in|am|an\s+der)|"
         r"unter|bei|am|in\s+der)")
_CUE_BEFORE = re.compile(r"(?i)\b" + _CUES + r"\s*(?:ist|lautet)?\s*:?\s*(?=\[(?:E-Mail|IBAN|Nummer|Datum|Telefon|Adresse|PLZ Ort)\])")


def strip_placeholders(text: str) -> str:
    """``text`` without the placeholders ``redact`` put in, nor the words that introduced
    them, for searching."""
    text = _CUE_BEFORE.sub(" ", text)
    text = re.sub(r"(?i)\b(?:ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|mein\s+name:|name:|"
                  r"hier\s+(?:ist|schreibt)|ich\s+bin\s+(?:die|der))\s+\[Name\]", " ", text)
    return re.sub(r"\[(?:E-Mail|IBAN|Nummer|Datum|Telefon|Adresse|PLZ Ort|Name)\]", " ", text)
