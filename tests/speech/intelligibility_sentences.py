"""Held-out sentences for measuring how intelligible a voice is in each language (issue 9).

Written for this test (not taken from any corpus), everyday vocabulary, no numbers or names that a
recognizer could spell several ways. Scored with Whisper base: word error rate for languages written
with spaces, character error rate for Mandarin and Japanese.
"""

from __future__ import annotations

from collections.abc import Sequence

from soundstage.speech.languages import Language
from tests.support.recognizer import cer, wer

__all__ = ["SENTENCES", "score"]

SENTENCES: dict[Language, tuple[str, ...]] = {
    Language.EN: (
        "The kettle started to whistle just as the phone rang.",
        "Could you leave the spare key under the blue flower pot?",
        "Our train was late because of snow on the tracks.",
        "She painted the fence green and forgot to close the gate.",
    ),
    Language.ZH: (
        "窗外下着小雨，我们决定在家里看电影。",
        "请把桌子上的钥匙交给楼下的邻居。",
        "这家面馆的牛肉面味道非常好。",
        "他每天早上骑自行车去学校。",
    ),
    Language.JA: (
        "窓の外では小雨が降っていたので、家で映画を見ることにしました。",
        "机の上の鍵を下の階の人に渡してください。",
        "この店のラーメンはとてもおいしいです。",
        "彼は毎朝自転車で学校に行きます。",
    ),
    Language.ES: (
        "La tetera empezó a silbar justo cuando sonó el teléfono.",
        "¿Puedes dejar la llave debajo de la maceta azul?",
        "Nuestro tren llegó tarde por la nieve en las vías.",
        "Ella pintó la valla de verde y olvidó cerrar la puerta.",
    ),
    Language.PT: (
        "A chaleira começou a apitar bem quando o telefone tocou.",
        "Você pode deixar a chave debaixo do vaso azul?",
        "Nosso trem atrasou por causa da chuva forte.",
        "Ela pintou a cerca de verde e esqueceu de fechar o portão.",
    ),
    Language.ID: (
        "Ketel mulai bersiul tepat ketika telepon berdering.",
        "Tolong taruh kunci cadangan di bawah pot bunga biru.",
        "Kereta kami terlambat karena hujan deras di jalan.",
        "Dia mengecat pagar menjadi hijau dan lupa menutup gerbang.",
    ),
}

_CHARACTER_SCORED = (Language.ZH, Language.JA)


def score(language: Language, references: Sequence[str], heard: Sequence[str]) -> float:
    """Mean error rate over the sentences: CER for Mandarin and Japanese, WER otherwise."""
    rates = [cer(r, h) if language in _CHARACTER_SCORED else wer(r, h, language.value)
             for r, h in zip(references, heard, strict=True)]
    return sum(rates) / len(rates)
