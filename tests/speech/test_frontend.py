"""Text front-end: normalization, sentence and window splitting, language spans, phoneme sets."""

from __future__ import annotations

import pytest

from soundstage.speech.frontend.langid import identify_spans
from soundstage.speech.frontend.normalize import normalize
from soundstage.speech.frontend.phonemes import G2PSet, Phonemes, concat_phonemes
from soundstage.speech.frontend.split import MAX_PHONEMES, split_phonemes, split_sentences
from soundstage.speech.languages import Language

EN, ZH, JA, ES, PT, ID = Language.EN, Language.ZH, Language.JA, Language.ES, Language.PT, Language.ID
TONES = set("→↗↓↘")


@pytest.mark.parametrize(("language", "text", "expected"), [
    (EN, "Dr. Smith paid $3.50.", "Doctor Smith paid three dollars and fifty cents."),
    (EN, "Meet at 10:05 pm on 2025-03-14.",
     "Meet at ten oh five p m on March fourteenth, twenty twenty-five."),
    (EN, "50% of 1,234 km & the 3rd",
     "fifty percent of one thousand, two hundred and thirty-four kilometres and the third"),
    (EN, "Pi is 3.14", "Pi is three point one four"),
    (ES, "El Sr. García pagó 12,50 €.", "El señor García pagó doce euros y cincuenta céntimos."),
    (ES, "A las 10:30, 3,5 km y 25%.",
     "A las diez y treinta, tres coma cinco kilómetros y veinticinco por ciento."),
    (PT, "O Sr. Silva pagou R$ 1.234,56.",
     "O senhor Silva pagou mil, duzentos e trinta e quatro reais e cinquenta e seis centavos."),
    (ID, "Harganya Rp 15.000, pukul 10:30.",
     "Harganya lima belas ribu rupiah, pukul sepuluh lewat tiga puluh."),
    (ZH, "价格是$12.5，温度25°C，时间10:30，2025-03-14。",
     "价格是12.5美元，温度25摄氏度，时间10点30分，2025年3月14日。"),
    (JA, "価格は¥1,200です。10:30に3km走った。", "価格は1200円です。10時30分に3キロメートル走った。"),
])
def test_normalize(language: Language, text: str, expected: str) -> None:
    assert normalize(text, language) == expected


def test_sentences_respect_abbreviations_decimals_and_cjk_stops() -> None:
    text = "Dr. Smith paid $3.50 today. Is it fine? Yes! 你好。我很好。"
    assert split_sentences(text) == ["Dr. Smith paid $3.50 today.", "Is it fine?", "Yes!", "你好。",
                                     "我很好。"]


def test_long_sentence_is_cut_at_clauses_within_the_window() -> None:
    g2p = G2PSet().for_language(EN)
    clause = "the committee reviewed every proposal that arrived before the deadline, "
    phonemes = g2p(clause * 12 + "and then it adjourned.")
    assert len(phonemes) > MAX_PHONEMES
    pieces = split_phonemes(phonemes)
    assert len(pieces) >= 2 and all(len(p) <= MAX_PHONEMES for p in pieces)
    assert all(p.text.rstrip().endswith((",", ".")) for p in pieces)
    assert sum(len(p.text.replace(" ", "")) for p in pieces) == len(phonemes.text.replace(" ", ""))


def test_mixed_english_mandarin_spans() -> None:
    spans = identify_spans("我今天要去 meeting，然后 check 一下 email。", ZH, [EN])
    assert [s.language for s in spans] == [ZH, EN, ZH, EN, ZH, EN]
    assert "meeting" in spans[1].text and "一下" in spans[4].text


def test_kana_makes_kanji_japanese_and_latin_scored_by_function_words() -> None:
    assert [s.language for s in identify_spans("今日は良い天気ですね。", ZH, [EN])] == [JA]
    assert identify_spans("Hola, ¿cómo estás?", EN, [EN, ES, ID])[0].language is ES
    assert identify_spans("Selamat pagi, apa kabar?", EN, [EN, ES, ID])[0].language is ID
    assert identify_spans("Let us go.", EN, [EN, ES])[0].language is EN


# Each language's phonemes: symbols it must use, and symbols that would mean the wrong G2P ran.
PHONEME_SETS: dict[Language, tuple[str, set[str], set[str]]] = {
    EN: ("The three brothers are here.", {"ð", "θ", "ɹ"}, TONES),
    ZH: ("你好，我的朋友。", TONES, {"ˈ", "ɹ"}),
    JA: ("ありがとうございます。", {"ɨ", "ɾ", "ʥ", "ɕ", "ɴ"}, TONES | {"ˈ"}),
    ES: ("Gracias, mi amigo.", {"ɣ", "θ", "ɾ", "β"}, TONES | {"ɹ"}),
    PT: ("Obrigado, meu amigo.", {"ʊ", "ɐ", "ɾ"}, TONES | {"ɹ"}),
    ID: ("Terima kasih, teman saya.", {"ə", "r"}, TONES | {"ɹ"}),
}


@pytest.mark.parametrize("language", list(PHONEME_SETS))  # Japanese too: no skip (issue 9)
def test_each_language_gets_its_own_phoneme_set(language: Language) -> None:
    text, required, forbidden = PHONEME_SETS[language]
    symbols = set(G2PSet().for_language(language)(normalize(text, language)).text)
    assert symbols & required, f"{language}: none of {required} in {symbols}"
    assert not symbols & forbidden, f"{language}: {symbols & forbidden} should not appear"


def test_phonemes_know_their_words() -> None:
    ph = G2PSet().for_language(ZH)("我们去公园。")
    assert ph.words == ("我们", "去", "公园")
    both = concat_phonemes([ph, Phonemes("hɛlˈoʊ", ("hello",), (0,) * 6)])
    assert both.words[-1] == "hello" and both.owner[-1] == 3
