"""A video prompt -> Script: who speaks and what, the scene to be heard, and music only when asked.

Video prompts describe a shot and carry dialogue in a few common shapes:

    ... slow push in on the plate, dialogue: 'Service is on'.   the shot's main subject says it
    The old man says, "We close at nine."                       a named subject says it
    "Ready?" she asks.                                          attribution after the quote
    女孩低声说：“我们走吧。”                                       Chinese quotes, 「」 too
    CHEF: Service is on.                                        script lines, one per line

Everything that is not dialogue is the setting: the cue lexicon hears ambience and foley in it
("kitchen", "steam rising", "a door slams"). Speakers get a gender hint from how they are named
("a woman", "the old man", "她") so casting can match it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from soundstage.script.model import Cue, CueKind, Line, Mode, Script, Speaker
from soundstage.script.parse import SPEAKER_LINE

__all__ = ["MAIN_SUBJECT", "parse_video_prompt"]

MAIN_SUBJECT = "Speaker"  # the name of a speaker the prompt does not name
QUOTE = re.compile(
    r"\"(?P<a>[^\"]+)\"|“(?P<b>[^”]+)”|「(?P<c>[^」]+)」|『(?P<d>[^』]+)』"
    r"|(?<![\w])'(?P<e>(?:[^']|'(?=\w))+?)'(?!\w)"
)
VERBS = (r"says|said|say|asks|asked|replies|replied|answers|answered|whispers|whispered|shouts|shouted|yells|"
         r"yelled|calls|called|mutters|muttered|murmurs|exclaims|tells|adds|continues|responds|announces|"
         r"speaks|sings|cries|snaps|laughs|sighs|declares|states")
LABEL = re.compile(r"(?:dialogue|dialog|line|lines|speech|voice ?over|vo|台词|对白|旁白)\s*[:：]\s*$",
                   re.IGNORECASE)
BEFORE = re.compile(
    rf"(?P<who>(?:\b(?:a|an|the|his|her|their|one)\s+)?(?:[\w'-]+\s+){{0,2}}?[\w'-]+)\s+(?:\w+ly\s+)?"
    rf"(?:{VERBS})(?:\s+\w+ly)?(?:\s+(?:to|at)\s+[\w\s]{{1,30}}?)?\s*[,:]?\s*$", re.IGNORECASE)
AFTER = re.compile(
    r"^\s*[,，]?\s*(?P<who>(?:(?:a|an|the|his|her|their)\s+)?(?:[\w'-]+\s+){0,2}?[\w'-]+?)"
    rf"\s+(?:{VERBS})\b",
    re.IGNORECASE)
AFTER_INVERTED = re.compile(rf"^\s*[,，]?\s*(?:{VERBS})\s+(?P<who>(?:the|a|an)\s+[\w'-]+(?:\s+[\w'-]+)?)",
                            re.IGNORECASE)
ZH_BEFORE = re.compile(r"(?P<who>[\u4e00-\u9fff]{1,6}?)(?:低声|大声|轻声|笑着|小声)?(?:说|问|喊|答|道|叫|"
                       r"回答)(?:道)?\s*[:：,，]?\s*$")
KO_BEFORE = re.compile(r"(?P<who>[\uac00-\ud7a3]{1,6}?)(?:이|가|은|는)?\s*(?:조용히\s*|크게\s*)?"
                       r"(?:말한다|말했다|묻는다|물었다|외친다|속삭인다|대답한다)\s*[:：,]?\s*$")
FEMALE = re.compile(r"\b(woman|women|girl|lady|mother|mom|grandmother|grandma|wife|she|her|actress|waitress|"
                    r"queen|princess|daughter|sister|aunt|nun)\b|[女她妈奶姐妹姑娘]|여자|그녀|할머니|"
                    r"엄마|소녀", re.IGNORECASE)
MALE = re.compile(r"\b(man|men|boy|guy|father|dad|grandfather|grandpa|husband|he|his|him|king|prince|son|"
                  r"brother|uncle|monk|gentleman|waiter|actor)\b|[男他爸爷哥弟叔]|남자|할아버지|아빠|소년",
                  re.IGNORECASE)
PERSON = re.compile(
    r"\b(?:a|an|the)\s+(?P<np>(?:(?:young|old|elderly|little|tired|small|tall|weary|middle-aged|nervous|"
    r"smiling|bearded|gray-haired|grey-haired)\s+){0,2}(?:woman|man|girl|boy|child|kid|chef|cook|waiter|"
    r"waitress|detective|officer|soldier|teacher|doctor|nurse|student|clerk|driver|farmer|lady|gentleman|"
    r"astronaut|pilot|singer|host|reporter|narrator|customer|shopkeeper|grandmother|grandfather|mother|"
    r"father|monk|king|queen|robot|stranger|traveler|traveller|fisherman|worker|barista|bartender|guard))\b",
    re.IGNORECASE)
ZH_PERSON = re.compile(r"(老人|老奶奶|老爷爷|女孩|男孩|女人|男人|厨师|孩子|小孩|老板|店员|警察|医生|老师|"
                       r"学生|司机|妈妈|爸爸)")
PRONOUNS = frozenset({"she", "he", "they", "her", "him", "它", "她", "他", "그녀", "그"})
MUSIC = re.compile(r"\b(music|song|score|soundtrack|melody|piano|guitar|orchestra[l]?|jazz|beat)\b"
                   r"|配乐|音乐|歌",
                   re.IGNORECASE)
NO_MUSIC = re.compile(r"\b(no|without)\s+(?:background\s+)?(music|soundtrack|score)\b"
                      r"|无音乐|不要音乐|没有音乐",
                      re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?。！？]\s*")


@dataclass(frozen=True)
class _Said:
    who: str | None  # None: the shot's main subject
    text: str
    span: tuple[int, int]  # where the dialogue (quote and its attribution) sits in the prompt


def _quote_text(m: re.Match[str]) -> str:
    return next(g for g in m.groups() if g is not None).strip()


def _clean_name(raw: str) -> str:
    words = [w for w in re.split(r"\s+", raw.strip(" ,，:：")) if w]
    while words and words[0].lower() in {"a", "an", "the", "his", "her", "their", "one", "and", "then",
                                         "while"}:
        words = words[1:]
    name = " ".join(words[-3:])
    return name[:1].upper() + name[1:] if name else MAIN_SUBJECT


def _attribution(prompt: str, m: re.Match[str], floor: int) -> tuple[str | None, int, int]:
    """Who says the quote at ``m`` and the span of prompt the dialogue takes (quote plus attribution)."""
    head = prompt[floor:m.start()]
    sentence_start = max((e.end() for e in SENTENCE_END.finditer(head)), default=0)
    pre = head[sentence_start:]
    if LABEL.search(pre):
        label = LABEL.search(pre)
        assert label is not None
        return None, floor + sentence_start + label.start(), m.end()
    for pattern in (BEFORE, ZH_BEFORE, KO_BEFORE):
        found = pattern.search(pre)
        if found:
            people = list(PERSON.finditer(pre)) if found.group("who").lower() not in PRONOUNS else []
            who = people[-1].group("np") if people else found.group("who")
            # the speaker's words stay in the setting ("a woman in a kitchen"); the verb and quote go
            return _clean_name(who), floor + sentence_start + found.end("who"), m.end()
    tail = prompt[m.end():m.end() + 60]
    for pattern in (AFTER, AFTER_INVERTED):
        found = pattern.match(tail)
        if found:
            return _clean_name(found.group("who")), m.start(), m.end() + found.end()
    return None, m.start(), m.end()


def _quoted(prompt: str) -> list[_Said]:
    said: list[_Said] = []
    floor = 0
    for m in QUOTE.finditer(prompt):
        text = _quote_text(m)
        if not re.search(r"\w", text):
            continue
        who, start, end = _attribution(prompt, m, floor)
        said.append(_Said(who, text, (start, end)))
        floor = m.end()
    return said


def _script_lines(prompt: str) -> list[_Said]:
    """``NAME: line`` lines (not a ``dialogue:`` label, which is the quote form's)."""
    out = []
    offset = 0
    for raw in prompt.splitlines(keepends=True):
        m = SPEAKER_LINE.match(raw.rstrip("\n"))
        if m and not LABEL.search(m.group("name") + ":") and m.group("text").strip():
            text = m.group("text").strip().strip("\"'“”「」")
            out.append(_Said(m.group("name").strip(), text, (offset, offset + len(raw))))
        offset += len(raw)
    return out if len(out) >= 1 and len(prompt.splitlines()) > 1 or (out and not QUOTE.search(prompt)) else []


def _main_subject(prompt: str) -> str | None:
    m = PERSON.search(prompt) or ZH_PERSON.search(prompt)
    if m is None:
        return None
    return _clean_name(m.group("np") if "np" in m.groupdict() else m.group(0))


def _gender(name: str, context: str) -> str | None:
    for text in (name, context):
        female, male = FEMALE.search(text), MALE.search(text)
        if female and not male:
            return "female"
        if male and not female:
            return "male"
        if female and male:
            return "female" if female.start() < male.start() else "male"
    return None


def _resolve(said: list[_Said], subject: str | None) -> list[tuple[str, str]]:
    """(speaker, text) with pronouns bound to the last speaker of that gender, or the main subject."""
    out: list[tuple[str, str]] = []
    for s in said:
        out.append((_bind(s.who, out, subject), s.text))
    return out


def _bind(who: str | None, earlier: list[tuple[str, str]], subject: str | None) -> str:
    if who is None:
        return subject or MAIN_SUBJECT
    if who.lower() not in PRONOUNS:
        return who
    wanted = _gender(who, "")
    same = [name for name, _ in reversed(earlier) if _gender(name, "") == wanted]
    if same:
        return same[0]
    if subject and (wanted is None or _gender(subject, "") in (wanted, None)):
        return subject
    return {"female": "Woman", "male": "Man"}.get(wanted or "", MAIN_SUBJECT)


def _setting(prompt: str, spans: list[tuple[int, int]]) -> str:
    kept, cursor = [], 0
    for start, end in sorted(spans):
        kept.append(prompt[cursor:start])
        cursor = max(cursor, end)
    kept.append(prompt[cursor:])
    text = " ".join(kept)
    return re.sub(r"\s+", " ", re.sub(r"\s*[,，]\s*([.。])", r"\1", text)).strip(" ,，")


def parse_video_prompt(prompt: str) -> Script:
    """The prompt's dialogue as lines (in order), its setting, and a music cue only when it asks."""
    said = _script_lines(prompt) or _quoted(prompt)
    subject = _main_subject(prompt)
    pairs = _resolve(said, subject)
    setting = _setting(prompt, [s.span for s in said])
    names = list(dict.fromkeys(name for name, _ in pairs))
    speakers = tuple(Speaker(name, gender=_gender(name, prompt if name in (subject, MAIN_SUBJECT) else ""))
                     for name in names)
    items: list[Line | Cue] = [Line(name, text) for name, text in pairs]
    if MUSIC.search(setting) and not NO_MUSIC.search(prompt):
        items.insert(0, Cue(CueKind.MUSIC, setting))
    notes = () if pairs else ("no dialogue found in the prompt: the soundtrack is ambience and foley only",)
    return Script(Mode.SCRIPT, tuple(items), speakers, setting=setting, notes=notes)
