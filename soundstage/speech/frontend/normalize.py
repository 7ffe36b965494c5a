"""Text normalization: numbers, dates, times, currency, units, abbreviations and symbols as words.

Runs on one span of one language (after language identification), so "3.5 km" becomes "three point
five kilometres" in English and "tres coma cinco kilómetros" in Spanish. Numbers are spelled by
``num2words`` for en/es/pt/id/fr/it. Mandarin digits are left to misaki's ``cn2an`` (it reads years digit
by digit and handles 百分之); Japanese digits to pyopenjtalk (it chooses counter readings); both get
their currencies, units and times rewritten into their own words here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from soundstage.speech.languages import Language

__all__ = ["normalize"]

_N2W_LANG = {Language.EN: "en", Language.ES: "es", Language.PT: "pt_BR", Language.ID: "id",
             Language.FR: "fr", Language.IT: "it"}
_DECIMAL_COMMA = {Language.ES, Language.PT, Language.ID, Language.FR, Language.IT}


@dataclass(frozen=True)
class _Words:
    """The words one language needs; index by unit or currency symbol."""

    currency: dict[str, tuple[str, str, str]]  # symbol -> (major singular, major plural, minor plural)
    units: dict[str, str]
    percent: str
    and_: str
    symbols: dict[str, str]
    abbreviations: dict[str, str]
    months: tuple[str, ...]


_UNITS_EN = {"km/h": "kilometres per hour", "mph": "miles per hour", "km": "kilometres", "cm": "centimetres",
             "mm": "millimetres", "kg": "kilograms", "mg": "milligrams", "g": "grams", "m": "metres",
             "l": "litres", "ml": "millilitres", "°C": "degrees Celsius", "°F": "degrees Fahrenheit",
             "h": "hours", "min": "minutes", "s": "seconds", "GB": "gigabytes", "MB": "megabytes"}
_WORDS: dict[Language, _Words] = {
    Language.EN: _Words(
        {"$": ("dollar", "dollars", "cents"), "€": ("euro", "euros", "cents"),
         "£": ("pound", "pounds", "pence"), "¥": ("yen", "yen", ""), "Rp": ("rupiah", "rupiah", "")},
        _UNITS_EN, "percent", "and",
        {"&": "and", "+": "plus", "=": "equals", "@": "at", "#": "number", "°": "degrees", "×": "times"},
        {"Dr.": "Doctor", "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "Prof.": "Professor",
         "St.": "Saint", "vs.": "versus", "etc.": "et cetera", "e.g.": "for example", "i.e.": "that is",
         "approx.": "approximately", "Jr.": "Junior", "Sr.": "Senior"},
        ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
         "November", "December")),
    Language.ES: _Words(
        {"$": ("dólar", "dólares", "centavos"), "€": ("euro", "euros", "céntimos"),
         "£": ("libra", "libras", "peniques"), "¥": ("yen", "yenes", ""), "Rp": ("rupia", "rupias", "")},
        {"km/h": "kilómetros por hora", "km": "kilómetros", "cm": "centímetros", "mm": "milímetros",
         "kg": "kilos", "g": "gramos", "m": "metros", "l": "litros", "°C": "grados", "h": "horas",
         "min": "minutos"},
        "por ciento", "y", {"&": "y", "+": "más", "=": "igual a", "@": "arroba", "°": "grados"},
        {"Sr.": "señor", "Sra.": "señora", "Srta.": "señorita", "Dr.": "doctor", "Dra.": "doctora",
         "Ud.": "usted", "Uds.": "ustedes", "etc.": "etcétera", "pág.": "página", "núm.": "número"},
        ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
         "noviembre", "diciembre")),
    Language.PT: _Words(
        {"R$": ("real", "reais", "centavos"), "$": ("dólar", "dólares", "centavos"),
         "€": ("euro", "euros", "cêntimos"), "£": ("libra", "libras", "pence"), "¥": ("iene", "ienes", ""),
         "Rp": ("rupia", "rupias", "")},
        {"km/h": "quilômetros por hora", "km": "quilômetros", "cm": "centímetros", "mm": "milímetros",
         "kg": "quilos", "g": "gramas", "m": "metros", "l": "litros", "°C": "graus", "h": "horas",
         "min": "minutos"},
        "por cento", "e", {"&": "e", "+": "mais", "=": "igual a", "@": "arroba", "°": "graus"},
        {"Sr.": "senhor", "Sra.": "senhora", "Dr.": "doutor", "Dra.": "doutora", "etc.": "etcétera",
         "Av.": "avenida"},
        ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
         "novembro", "dezembro")),
    Language.ID: _Words(
        {"Rp": ("rupiah", "rupiah", ""), "$": ("dolar", "dolar", "sen"), "€": ("euro", "euro", "sen"),
         "£": ("pound", "pound", "pence"), "¥": ("yen", "yen", "")},
        {"km/h": "kilometer per jam", "km": "kilometer", "cm": "sentimeter", "mm": "milimeter",
         "kg": "kilogram", "g": "gram", "m": "meter", "l": "liter", "°C": "derajat Celsius", "h": "jam",
         "min": "menit"},
        "persen", "dan", {"&": "dan", "+": "tambah", "=": "sama dengan", "@": "at", "°": "derajat"},
        {"Bpk.": "Bapak", "Ibu.": "Ibu", "dll.": "dan lain-lain", "dsb.": "dan sebagainya", "Jl.": "Jalan",
         "Dr.": "Doktor", "Prof.": "Profesor"},
        ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")),
}
_ZH = {"currency": {"$": "美元", "€": "欧元", "£": "英镑", "¥": "元", "￥": "元", "Rp": "印尼盾"},
       "units": {"km/h": "公里每小时", "km": "公里", "cm": "厘米", "mm": "毫米", "kg": "公斤", "g": "克",
                 "m": "米", "l": "升", "°C": "摄氏度", "GB": "GB"},
       "symbols": {"&": "和", "+": "加", "=": "等于", "@": "艾特", "~": "到", "°": "度"}}
_JA = {"currency": {"$": "ドル", "€": "ユーロ", "£": "ポンド", "¥": "円", "￥": "円", "Rp": "ルピア"},
       "units": {"km/h": "キロメートル毎時", "km": "キロメートル", "cm": "センチメートル",
                 "mm": "ミリメートル", "kg": "キログラム", "g": "グラム", "m": "メートル", "l": "リットル",
                 "°C": "度", "%": "パーセント"},
       "symbols": {"&": "と", "+": "プラス", "=": "イコール", "@": "アット"}}

_NUM = r"\d+(?:[.,]\d+)*"
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])(?:\s*([ap])\.?m\.?)?", re.IGNORECASE)
_POINT = {Language.EN: "point", Language.ES: "coma", Language.PT: "vírgula", Language.ID: "koma",
          Language.FR: "virgule", Language.IT: "virgola"}


def normalize(text: str, language: Language) -> str:
    """``text`` with numbers and symbols spelled out for ``language`` (other languages pass through)."""
    if language is Language.ZH:
        return _normalize_cjk(text, _ZH, _zh_time, _zh_date)
    if language is Language.JA:
        return _normalize_cjk(text, _JA, _ja_time, _ja_date)
    words = _WORDS.get(language)
    if words is None or language not in _N2W_LANG:
        return text
    return _normalize_latin(text, language, words)


# --- Latin-script languages ---------------------------------------------------------------------------


def _normalize_latin(text: str, lang: Language, w: _Words) -> str:
    for abbr, full in sorted(w.abbreviations.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"(?<!\w){re.escape(abbr)}(?=\s|$)", full, text)
    text = _ISO_DATE.sub(lambda m: _latin_date(lang, w, *map(int, m.groups())), text)
    text = _TIME.sub(lambda m: _latin_time(lang, m), text)
    text = _currency(text, lang, w)
    text = re.sub(rf"({_NUM})\s*%", lambda m: f"{_number(m.group(1), lang)} {w.percent}", text)
    units = "|".join(re.escape(u) for u in sorted(w.units, key=len, reverse=True))
    text = re.sub(rf"({_NUM})\s*({units})(?![\w/])",
                  lambda m: f"{_number(m.group(1), lang)} {w.units[m.group(2)]}", text)
    text = re.sub(r"\b(\d+)(st|nd|rd|th|º|ª|o|a)\b", lambda m: _ordinal(m, lang), text)
    text = re.sub(_NUM, lambda m: _number(m.group(0), lang), text)
    for sym, word in w.symbols.items():
        text = text.replace(sym, f" {word} ")
    return re.sub(r"[ \t]+", " ", text).strip()


def _number(token: str, lang: Language) -> str:
    """Spell a number written with the language's separators (1,234.5 in en; 1.234,5 in es/pt/id)."""
    from num2words import num2words

    group, decimal = (".", ",") if lang in _DECIMAL_COMMA else (",", ".")
    body = token
    if re.fullmatch(rf"\d{{1,3}}(?:\{group}\d{{3}})+(?:\{decimal}\d+)?", body):
        body = body.replace(group, "")
    if body.count(decimal) == 1 and re.fullmatch(rf"\d+\{decimal}\d+", body):
        whole, frac = body.split(decimal)
        # "3,5" -> "tres coma cinco", "12,50" -> "doce coma cincuenta" (how two-digit decimals are read
        # aloud in es/pt/id); longer or zero-led fractions digit by digit ("point one four one").
        if lang is not Language.EN and len(frac) <= 2 and not frac.startswith("0"):
            tail = num2words(int(frac), lang=_N2W_LANG[lang])
        else:
            tail = " ".join(num2words(int(d), lang=_N2W_LANG[lang]) for d in frac)
        return f"{num2words(int(whole), lang=_N2W_LANG[lang])} {_POINT[lang]} {tail}"
    if not body.isdigit():
        return " ".join(num2words(int(p), lang=_N2W_LANG[lang]) for p in re.findall(r"\d+", body))
    return str(num2words(int(body), lang=_N2W_LANG[lang]))


def _ordinal(m: re.Match[str], lang: Language) -> str:
    from num2words import num2words

    if lang is Language.ID:
        return f"ke{num2words(int(m.group(1)), lang='id')}"
    try:
        return str(num2words(int(m.group(1)), lang=_N2W_LANG[lang], to="ordinal"))
    except NotImplementedError:
        return m.group(0)


def _currency(text: str, lang: Language, w: _Words) -> str:
    symbols = "|".join(re.escape(s) for s in sorted(w.currency, key=len, reverse=True))
    text = re.sub(rf"({symbols})\s?({_NUM})", lambda m: _amount(m.group(1), m.group(2), lang, w), text)
    # Amounts written with the symbol after them (12,50 € in Spain, Portugal and Indonesia).
    return re.sub(rf"({_NUM})\s?({symbols})", lambda m: _amount(m.group(2), m.group(1), lang, w), text)


def _amount(symbol: str, amount: str, lang: Language, w: _Words) -> str:
    major, majors, minors = w.currency[symbol]
    sep = "," if lang in _DECIMAL_COMMA else "."
    whole, _, cents = amount.rpartition(sep) if re.search(rf"\{sep}\d{{2}}$", amount) else (amount, "", "")
    unit = major if re.sub(r"\D", "", whole) == "1" else majors
    if cents and int(cents) and minors:
        return f"{_number(whole, lang)} {unit} {w.and_} {_number(cents, lang)} {minors}"
    return f"{_number(whole, lang)} {unit}"


def _latin_date(lang: Language, w: _Words, year: int, month: int, day: int) -> str:
    from num2words import num2words

    if not 1 <= month <= 12:
        return f"{year}-{month:02d}-{day:02d}"
    name = w.months[month - 1]
    if lang is Language.EN:
        return f"{name} {num2words(day, lang='en', to='ordinal')}, {num2words(year, lang='en', to='year')}"
    of = {Language.ES: "de", Language.PT: "de"}.get(lang, "")
    return " ".join(x for x in (_number(str(day), lang), of, name, of, _number(str(year), lang)) if x)


def _latin_time(lang: Language, m: re.Match[str]) -> str:
    hour, minute, half = int(m.group(1)), int(m.group(2)), (m.group(3) or "").lower()
    if hour > 24 or minute > 59:
        return m.group(0)
    h, mm = _number(str(hour), lang), _number(str(minute), lang)
    if lang is Language.EN:
        tail = {"a": " a m", "p": " p m"}.get(half, "")
        if minute == 0:
            return f"{h}{tail}" if tail else f"{h} o'clock"
        return f"{h} {'oh ' + mm if minute < 10 else mm}{tail}"
    joiner = {Language.ES: "y", Language.PT: "e", Language.ID: "lewat"}.get(lang, "")
    return f"{h} {joiner} {mm}".replace("  ", " ") if minute else h


# --- Mandarin and Japanese ------------------------------------------------------------------------


def _normalize_cjk(text: str, table: dict[str, dict[str, str]], time: Callable[[re.Match[str]], str],
                   date: Callable[[re.Match[str]], str]) -> str:
    text = _ISO_DATE.sub(date, text)
    text = _TIME.sub(time, text)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    for sym, word in sorted(table["currency"].items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"{re.escape(sym)}\s?(\d+(?:\.\d+)?)", rf"\g<1>{word}", text)
    units = "|".join(re.escape(u) for u in sorted(table["units"], key=len, reverse=True))
    text = re.sub(rf"(\d+(?:\.\d+)?)\s*({units})(?![A-Za-z/])",
                  lambda m: m.group(1) + table["units"][m.group(2)], text)
    for sym, word in table["symbols"].items():
        text = text.replace(sym, word)
    return text


def _zh_time(m: re.Match[str]) -> str:
    return f"{int(m.group(1))}点{int(m.group(2))}分" if int(m.group(2)) else f"{int(m.group(1))}点"


def _zh_date(m: re.Match[str]) -> str:
    return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日"


def _ja_time(m: re.Match[str]) -> str:
    return f"{int(m.group(1))}時{int(m.group(2))}分" if int(m.group(2)) else f"{int(m.group(1))}時"


def _ja_date(m: re.Match[str]) -> str:
    return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日"
