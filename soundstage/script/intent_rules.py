"""The shape of a request, per language: who is addressed, what is asked for, which traits it names.

Each language is a ``Grammar``: how a request opens (or, in Japanese, closes), how strongly its verb
means "make content", what may follow the verb, and the signs of requested content (participants, a
topic, a length ...) or of ordinary speech (reported speech, a trailing remark). ``read_prompt`` scores
a prompt with the grammars of its script and keeps the best reading. The weights are judgement,
checked against the table in tests/script/test_intent.py, where every change must keep zero
instructions read as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Reading", "read_prompt"]

EXCERPT_WORDS = 5  # "opens with 'Write a short sketch of ...'"
EXCERPT_CHARS = 10  # the same for scripts without spaces
WEAK = 0.25  # make, give, do, tell, 做, 来: everyday verbs that need a full trait to ask for content
KANA = re.compile(r"[\u3040-\u30ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")
CASELESS = re.IGNORECASE


@dataclass(frozen=True)
class Reading:
    """What the heuristic saw. ``opener`` is empty when the prompt does not address the system."""

    opener: str = ""  # e.g. "opens with 'Write a short sketch of ...'"
    score: float = 0.0
    traits: tuple[str, ...] = ()  # what the request asks for: "participants", "a topic" ...
    against: tuple[str, ...] = ()  # marks of ordinary speech: "reported speech" ...
    blocked: str = ""  # why what follows the verb cannot be something to make


@dataclass(frozen=True)
class Sign:
    name: str
    pattern: re.Pattern[str]
    weight: float  # added to the score; negative for marks of ordinary speech


@dataclass(frozen=True)
class Grammar:
    opener: re.Pattern[str]  # must capture the verb as group "verb"
    verbs: tuple[tuple[re.Pattern[str], float], ...]  # how strongly the verb means "make content"
    objects: tuple[tuple[re.Pattern[str], float], ...]  # what the object starts with, and its weight
    signs: tuple[Sign, ...]
    blocked: re.Pattern[str] | None = None  # an object that cannot be something to make
    indirect: re.Pattern[str] | None = None  # skipped before the object: "me" in "tell me a story"
    final: bool = False  # the request closes the sentence (Japanese): the object comes before the verb


def _p(pattern: str, flags: int = CASELESS) -> re.Pattern[str]:
    return re.compile(pattern, flags)


EN_VERBS = ((_p(r"generate|compose|narrate|dramati[sz]e|synthesi[sz]e|script"), 1.25),
            (_p(r"produce|write(\s+up)?|create|draft|record|craft|invent|perform|act\s+out|improvise|"
                r"put\s+together|come\s+up\s+with|(dream|whip|make|cook)\s+up|design|render|voice|stage"),
             1.0),
            (_p(r".*"), WEAK))  # make, tell, give, read, sing, do, imagine, hear, play, "I want" ...
ENGLISH = Grammar(
    opener=_p(r"^\W*(?:(?:hey|hi|hello|ok|okay|so|now|alright|right|well)\b\W*)*(?:please\s+|kindly\s+|"
              r"just\s+)?(?:(?:(?:can|could|would|will)\s+you\s+(?:please\s+|kindly\s+|just\s+)?|"
              r"(?:i(?:'d|\s+would)\s+(?:like|love)|i\s+want|i\s+need)\s+you\s+to\s+|let'?s\s+|let\s+(?:me|"
              r"us)\s+|help\s+me\s+|go\s+ahead\s+and\s+|try\s+to\s+)?"
              r"(?P<verb>generate|compose|produce|narrate|dramati[sz]e|synthesi[sz]e|script|write(?:\s+up)?|"
              r"create|draft|record|craft|invent|perform|act\s+out|improvise|put\s+together|come\s+up\s+with|"
              r"(?:dream|whip|make|cook)\s+up|design|render|voice|stage|make|tell|give|read|sing|do|imagine|"
              r"hear|play|show|build|describe|get|have)"
              r"|(?P<desire>i(?:'d|\s+would)\s+(?:like|love)|i\s+want|i\s+need|(?:can|could|"
              r"may)\s+i\s+(?:get|have|hear)|give\s+(?:me|us)|let\s+(?:me|us)\s+hear|let'?s\s+(?:hear|"
              r"have)))\b"),
    verbs=EN_VERBS,
    indirect=_p(r"(?:me|us)\s+(?=(?:a|an|some|something|the|this|one|two|three)\b)"),
    objects=((_p(r"(?:a|an|some|something|someone|another|several|a\s+few|one|two|three|four|five|six|seven|"
                 r"eight|nine|ten|\d+)\b"), 1.0),
             (_p(r"(?:the|this|that|these|those)\b"), 0.0)),
    blocked=_p(r"(?:my|your|his|her|its|our|their|it|them|him|me|us|you|yourself|yourselves|myself|ourselves|"
               r"himself|herself|themselves|sure|certain|up|down|out|back|off|away|to|soon|again|more|less|"
               r"now|everything|nothing|anything|way|room|i|we|he|she|they|if|whether|what|how|where|when|"
               r"why)\b"),
    signs=(
        Sign("participants", _p(r"\bbetween\b.+\band\b|\bamong\b|\b(?:featuring|starring|involving)\b|"
                                r"\b(?:told|narrated|read|voiced|performed|hosted|sung)\s+by\b|"
                                r"\bfrom\s+(?:a|an)\s+[\w\s'-]{1,30}?\bto\s+(?:a|an|the|his|her|their)\b|"
                                r"\b(?:two|three|four|five|six|\d+)\s+(?:[\w-]+\s+){0,2}?"
                                r"(?!(?:lines|sentences|verses|paragraphs|words|pages|seconds|minutes|hours|"
                                r"days|weeks|months|years|times|dollars|euros|pounds|percent|miles|"
                                r"kilometres|kilometers|meters|metres)\b)[a-z]+s\b|\b(?:a|an|two|three|"
                                r"some)\s+(?:[\w-]+\s+){1,3}?[a-z]{3,}ing\s+(?:about|over|with|at|in|on|to|"
                                r"for|through|a|an|the|his|her|their|its)\b|\b(?:where|in\s+which)\b"), 1.0),
        Sign("a topic", _p(r"\babout\b(?!\s+(?:one|two|three|half|a\s+minute|\d|us|me|it|him|her|them|you|"
                           r"yourself)\b)|\bon\s+the\s+(?:subject|topic|theme)\s+of\b|\bconcerning\b|"
                           r"\bregarding\b|\bthemed\b"), 1.0),
        Sign("a length", _p(r"\b(?:\d+|one|two|three|four|five|six|ten|fifteen|twenty|thirty|forty|fifty|"
                            r"sixty|ninety|a\s+few|half\s+a)[\s-]+(?:second|sec|minute|min|hour|line|"
                            r"sentence|verse|paragraph|page|word)s?\b|(?<!\bin\s)\b(?:under|less\s+than|"
                            r"about|around|at\s+most)\s+a\s+minute\b|\ba\s+minute\s+long\b"), 1.0),
        Sign("a size", _p(r"\b(?:short|brief|quick|long|lengthy|full-length|extended)\b"), 0.5),
        Sign("a tone", _p(r"\b(?:tense|funny|spooky|scary|dramatic|heated|calm|eerie|romantic|sad|cheerful|"
                          r"upbeat|suspenseful|hilarious|creepy|heartwarming|epic|mysterious|playful|"
                          r"melancholic|whimsical|humorous|comic|satirical|fake|mock|silly|gentle|soothing|"
                          r"haunted|awkward|heroic|horror|thriller|suspense|mystery|comedy|noir|sci-fi|"
                          r"fantasy|detective)\b"), 0.5),
        Sign("something for the requester", _p(r"\bfor\s+my\b"), 0.5),
        Sign("a style or sound", _p(r"\bin\s+the\s+(?:style|voice|manner|tone)\s+of\b|\b[\w-]+[\s-]style\b|"
                                    r"\bas\s+(?:if|though)\b|\bvoices?\b|\bnarrator\b|\bsound\s+effects?\b|"
                                    r"\bbackground\s+music\b|\bambien(?:ce|t)\b|\bsounds\b"), 1.0),
        Sign("a setting", _p(r"\b(?:set|takes?\s+place|happening)\s+(?:in|on|at|inside|aboard)\b|"
                             r"\b(?:in|at|on|inside|aboard|near)\s+(?:a|an)\s+\w+"), 0.5),
        Sign("a known form", _p(r"\b(?:drama|radio\s+play|play|scene|podcast|story|stories|tale|dialogue|"
                                r"conversation|audio|soundscape|sound\s+effects?|ad|advert|commercial|skit|"
                                r"episode|trailer|narration|documentary|interview|announcement|jingle|poem|"
                                r"song|lullaby|monologue|bulletin|report|speech)\b"), 1.0),
        Sign("a character", _p(r"\bwho(?:se)?\b"), 0.5),
        Sign("reported speech", _p(r"[,\"”]\s*(?:she|he|they|i|we|you|my\s+\w+|the\s+\w+|\w+)\s+"
                                   r"(?:always\s+|once\s+|used\s+to\s+)?(?:said|says|say|told|asked|replied|"
                                   r"whispered|shouted|cried)\b|[,\"”]\s*(?:said|says|asked|replied|"
                                   r"whispered|shouted|cried)\s+\w+"), -2.0),
        Sign("a routine", _p(r"\b(?:every|each)\s+(?:\w+\s+)?(?:day|night|morning|evening|week|month|year|"
                             r"time|hour|minute)s?\b"), -1.0),
        Sign("a remark after a comma", _p(r",\s*(?:i'm|i\s+am|that's|it's|he's|she's|we're|they're|you're|"
                                          r"i'll|we'll|there's|that\s+is|it\s+is)\b"), -1.0),
        Sign("a time or condition clause", _p(r"\b(?:when|before|after|if|until|once)\s+(?:you|we|i|he|she|"
                                              r"they)\b"), -0.5),
        Sign("a purpose clause", _p(r"^(?:a|an|some)\s+[\w-]+\s+to\s+(?!(?:a|an|the|my|your|his|her|their|"
                                    r"our|its|me|us|him|them)\b)[a-z]+\b"), -0.5),
        Sign("a how-to clause", _p(r"\bby\s+[a-z]+ing\b"), -1.0),
        Sign("a second command", _p(r"\b(?:and|or|then)\s+(?!(?:a|an|the|his|her|their|its|two|three|some|my|"
                                    r"your|our)\b)[a-z]+\s+(?:the|a|an|your|my|our|us|me|him|her|them|it|"
                                    r"other|out|up|off)\b"),
             -1.0),
        Sign("words to a listener ('you')", _p(r"\b(?:you|your)\b"), -0.5),
    ),
)

SPANISH = Grammar(
    opener=_p(r"^\W*(?:(?:oye|hola|bueno|vale)\W+)*(?:por\s+favor,?\s+)?"
              r"(?:(?:me\s+|nos\s+)?(?:puedes|podrías|podrias|podéis|quieres)\s+|"
              r"(?:quiero|quisiera|necesito|me\s+gustar[ií]a)\s+que\s+(?:me\s+|nos\s+)?)?"
              r"(?P<verb>gen[eé]ra(?:me|nos)?|generar(?:me|nos)?|generes|comp[oó]n(?:me)?|componer(?:me)?|"
              r"compongas|prod[uú]ce(?:me)?|producir(?:me)?|produzcas|narra(?:r|me)?|narres|escr[ií]be(?:me|"
              r"nos)?|escribir(?:me|nos)?|escribas|cr[eé]a(?:me|nos)?|crear(?:me|nos)?|crees|redacta(?:r)?|"
              r"inventa(?:r)?|graba(?:r)?|interpreta(?:r)?|improvisa(?:r)?|haz(?:me|nos)?|hacer(?:me|nos)?|"
              r"hagas|cu[eé]nta(?:me|nos)?|contar(?:me|nos)?|cuentes|dame|danos|dar(?:me)?|imagina(?:r)?|"
              r"quiero|quisiera|necesito|me\s+gustar[ií]a|pon(?:me)?|l[eé]e(?:me)?)\b"),
    verbs=((_p(r"gen.*|comp.*|prod.*|narr.*"), 1.5),
           (_p(r"escr.*|cr.*|redact.*|invent.*|grab.*|interpret.*|improvis.*"), 1.0),
           (_p(r".*"), WEAK)),
    objects=((_p(r"(?:un|una|unos|unas|algo|alg[uú]n|alguna|dos|tres|cuatro|cinco|\d+)\b"), 1.0),
             (_p(r"(?:el|la|los|las|este|esta|ese|esa)\b"), 0.0)),
    blocked=_p(r"(?:mi|mis|tu|tus|su|sus|nuestro|nuestra|pronto|ya|m[aá]s|menos|que|te|se|lo|le|les|nos|a|ir|"
               r"venir|estar|ser)\b"),
    signs=(
        Sign("participants", _p(r"\bentre\b|\b(?:dos|tres|cuatro|cinco|\d+)\s+\w+s\b|\b(?:contad|"
                                r"narrad)[oa]s?\s+por\b|\bprotagonizad[oa]\b|\bdonde\b|\ben\s+(?:la|"
                                r"el)\s+que\b"), 1.0),
        Sign("a topic", _p(r"\bsobre\b|\bacerca\s+de\b|\bde\s+tema\b|\bcon\s+el\s+tema\b"), 1.0),
        Sign("a length", _p(r"\b(?:\d+|dos|tres|cinco|diez|quince|veinte|treinta|cuarenta|sesenta|noventa)\s+"
                            r"(?:segundos?|minutos?|l[ií]neas?|frases?)\b"), 1.0),
        Sign("a size", _p(r"\b(?:cort[oa]|breve|larg[oa]|r[aá]pid[oa])\b"), 0.5),
        Sign("a tone", _p(r"\b(?:tens[oa]|divertid[oa]|gracios[oa]|terror|misterio|rom[aá]ntic[oa]|triste|"
                          r"dram[aá]tic[oa]|c[oó]mic[oa]|acalorad[oa])\b"), 0.5),
        Sign("a style or sound", _p(r"\bestilo\b|\bvoces\b|\bnarrador\b|\befectos\s+de\s+sonido\b|"
                                    r"\bm[uú]sica\s+de\s+fondo\b"), 1.0),
        Sign("a setting", _p(r"\b(?:en|dentro\s+de)\s+(?:un|una)\s+\w+"), 0.5),
        Sign("a known form", _p(r"\b(?:historia|cuento|di[aá]logo|anuncio|podcast|drama|obra|escena|poema|"
                                r"canci[oó]n|noticia|entrevista|conversaci[oó]n|relato|gui[oó]n|"
                                r"mon[oó]logo)\b"), 1.0),
        Sign("reported speech", _p(r"\b(?:dijo|dice|dec[ií]a|pregunt[oó]|respondi[oó]|grit[oó])\b"), -2.0),
        Sign("a time or condition clause", _p(r"\b(?:antes\s+de|despu[eé]s\s+de|cuando|si)\b"), -0.5),
        Sign("a remark after a comma", _p(r",\s*(?:ya|yo|estoy|voy|es|era|eso\s+es)\b"), -1.0),
    ),
)

CHINESE = Grammar(
    opener=_p(r"^\W*(?:(?:嘿|喂|好的?|那么?|现在)[，,、！!\s]*)*"
              r"(?:请|麻烦你?|劳驾|你|能不能|能否|可不可以|可以|能|帮我|帮忙|给我|给咱们?|为我|替我|我想要?|"
              r"我要|我需要|我希望你|咱们|我们|再)*"
              r"(?P<verb>生成|创作|编写|撰写|制作|录制|朗诵|演绎|配音|写|编|构思|设计|录|演|讲述|播|做|来|"
              r"讲讲?|说说?|整|念|听|给我|给咱们?|我要|我想要|我需要)"),
    verbs=((_p(r"生成|创作|编写|撰写|制作|录制|朗诵|演绎|配音"), 1.5),
           (_p(r"写|编|构思|设计|录|演|讲述|播"), 1.0),
           (_p(r".*"), WEAK)),
    indirect=_p(r"(?:一下|给我|给大家|给咱们?)"),
    # measure words of works
    objects=((_p(r"(?:一|两|三|几|半|\d+)?(?:段|首|篇|部|则|出|幕|集|场|期|曲|支)"), 1.5),
             (_p(r"(?:一|两|三|几|\d+)?(?:个|条|句|组|些|点)"), 1.0),
             (_p(r"(?:一|两|三|几|\d+)(?:杯|碗|张|把|件|本|辆|双|瓶|块|只|口|次)"), 0.25)),
    blocked=_p(r"(?:你|他|她|它|我(?!们)|是|吧|呀|啊|过|着|完|好|得|的)"),
    signs=(
        Sign("participants", _p(r"之间|[两二三四五六七八九几]\s*(?:个|位|名)|[两二三四五六七八九几]人|彼此|"
                                r"[和与跟].{1,10}?(?:的|之间|的对话|的对白|吵架|争吵|聊天|对话|讨价还价|"
                                r"交锋)|由.{1,10}?(?:讲述|朗读|演绎)"), 1.0),
        Sign("a topic", _p(r"关于|有关|主题|为题|围绕|讲的是|讲讲"), 1.0),
        Sign("a length", _p(r"\d+\s*(?:秒|分钟|句|行)|[一二三四五六七八九十两半几百]+(?:秒|分钟|句话|"
                            r"行)|左右"), 1.0),
        Sign("a size", _p(r"短|长篇|小段"), 0.5),
        Sign("a tone", _p(r"悬疑|搞笑|紧张|温馨|恐怖|浪漫|悲伤|幽默|欢快|感人|诙谐|激烈|轻松|睡前"), 0.5),
        Sign("a style or sound", _p(r"风格|口吻|腔调|配乐|音效|背景音乐|旁白|环境音|声音|配音"), 1.0),
        Sign("a setting", _p(r"在.{1,15}?(?:里|中|上|内|旁|下)|[里中]的"), 0.5),
        Sign("a known form", _p(r"广播|剧|对话|对白|播客|故事|场景|广告|相声|诗|歌|笑话|段子|新闻|访谈|独白|"
                                r"开场|节目|童话|播报|致辞|主持词|解说|脱口秀|演讲"), 1.0),
        Sign("reported speech", _p(r"(?:他|她|我|你|妈妈|爸爸)(?:说|问|喊)|”"), -2.0),
        Sign("a completed action", _p(r"^.{0,2}了"), -1.0),
        Sign("a comparison", _p(r"比.{1,12}?(?:更|还)"), -1.0),
    ),
)

JAPANESE = Grammar(
    opener=_p(r"(?P<verb>生成して|作成して|創作して|制作して|書いて|作って|演じて|語って|録音して|聞かせて|"
              r"話して|読んで|考えて|用意して|ください|下さい|ちょうだい|お願いします|お願い|欲しい|ほしい)"
              r"(?:ください|下さい|くれ(?:ませんか|ない|る)?|ちょうだい|もらえ(?:ますか|ない)|ね|よ|ほしい|"
              r"欲しい)?[\s。！!？?]*$"),
    verbs=((_p(r"生成して|作成して|創作して|制作して"), 1.5),
           (_p(r"書いて|作って|演じて|語って|録音して"), 1.0),
           (_p(r".*"), WEAK)),
    objects=((_p(r".*[をが]$"), 0.5),),
    signs=(
        Sign("participants", _p(r"二人|三人|[二三四五]人の|同士|の間|と.{1,12}?の.{0,6}?(?:会話|対話|"
                                r"やりとり|やり取り|口論|けんか|喧嘩)"),
             1.0),
        Sign("a topic", _p(r"について|に関する|をテーマ|がテーマ"), 1.0),
        Sign("a length", _p(r"\d+\s*(?:秒|分)|[一二三四五六七八九十]+(?:秒|分)"), 1.0),
        Sign("a size", _p(r"短い|長い|短め|ショート"), 0.5),
        Sign("a tone", _p(r"緊張した|面白い|おもしろい|怖い|楽しい|悲しい|不気味な|ユーモラスな|コミカルな"),
             0.5),
        Sign("a style or sound", _p(r"風の|スタイル|ナレーション|効果音|BGM|声で"), 1.0),
        Sign("a setting", _p(r"を舞台に|での"), 0.5),
        Sign("a known form", _p(r"物語|ストーリー|ドラマ|会話|対話|広告|ポッドキャスト|詩|歌|シーン|場面|"
                                r"ニュース|インタビュー|独白|ラジオ|スピーチ|アナウンス|話を$"),
             1.0),
        Sign("reported speech", _p(r"と.{0,6}言った|と言って"), -2.0),
    ),
    final=True,
)


def _excerpt(prompt: str, grammar: Grammar, start: int) -> str:
    text = " ".join(prompt.split())
    if grammar.final:
        return f"closes with '...{' '.join(prompt[max(0, start - EXCERPT_CHARS):].split())}'"
    if " " in text.strip():
        words = text.split()
        return f"opens with '{' '.join(words[:EXCERPT_WORDS])}{' ...' if len(words) > EXCERPT_WORDS else ''}'"
    return f"opens with '{text[:EXCERPT_CHARS]}{'...' if len(text) > EXCERPT_CHARS else ''}'"


def _object(rest: str, grammar: Grammar) -> float:
    return next((value for pattern, value in grammar.objects if pattern.match(rest)), 0.0)


def _read(prompt: str, grammar: Grammar) -> Reading | None:
    m = grammar.opener.search(prompt)
    if not m or (grammar.final and not prompt[:m.start()].strip()):
        return None
    verb = (m.group("verb") or m.groupdict().get("desire") or "").lower()
    strength = next(w for pattern, w in grammar.verbs if pattern.fullmatch(verb)) if m.group("verb") else WEAK
    rest = (prompt[:m.start()] if grammar.final else prompt[m.end():]).strip()
    opener = _excerpt(prompt, grammar, m.start())
    skip = grammar.indirect.match(rest) if grammar.indirect else None
    rest = rest[skip.end():].lstrip() if skip else rest
    first = grammar.blocked.match(rest) if grammar.blocked else None
    if first:
        word = rest[:max(first.end(), 1)]
        return Reading(opener, blocked=f"what follows ('{word}') is not something to make")
    if not rest:
        return Reading(opener, blocked="nothing follows it")
    found = [s for s in grammar.signs if s.pattern.search(rest)]
    score = strength + _object(rest, grammar) + sum(s.weight for s in found)
    return Reading(opener, score, tuple(s.name for s in found if s.weight > 0),
                   tuple(s.name for s in found if s.weight < 0))


def read_prompt(prompt: str) -> Reading:
    """The best reading of ``prompt`` among the grammars of its script; an empty Reading if none applies."""
    if KANA.search(prompt):
        grammars: tuple[Grammar, ...] = (JAPANESE,)
    elif HAN.search(prompt):
        grammars = (CHINESE,)
    else:
        grammars = (ENGLISH, SPANISH)
    readings = [r for r in (_read(prompt, g) for g in grammars) if r is not None]
    if not readings:
        return Reading()
    return max(readings, key=lambda r: float("-inf") if r.blocked else r.score)
