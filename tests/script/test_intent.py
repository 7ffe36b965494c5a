"""Issue 14: an instruction is never read aloud, and text that merely starts with a verb stays text.

The table holds instructions phrased many ways (the four from the issue first) and texts that open
with an imperative or mention "story" or "drama" in passing, in English, Mandarin, Spanish and
Japanese. The heuristic runs alone here (no writer model): zero instructions may be read as text,
and at most MAX_TEXT_AS_INSTRUCTION of the texts may be taken for instructions.
"""

from __future__ import annotations

import pytest

from soundstage.errors import AppFailed
from soundstage.script.intent import SURE, Decision, classify
from soundstage.script.model import Mode

MAX_TEXT_AS_INSTRUCTION = 0.05  # "at most a few percent"

ISSUE_14 = (
    "Write a short sketch of two astronauts bickering about the last coffee pouch.",
    "Produce a tense exchange between a detective and a suspect.",
    "Generate an argument between two neighbours over a fence.",
    "写一个关于外卖员的小品",
)

INSTRUCTIONS = ISSUE_14 + (
    "Generate a short suspense radio drama in a late-night convenience store.",
    "Create a 30-second ad for a lemonade stand run by two kids.",
    "Make a spooky campfire tale told by an old ranger.",
    "Compose a lullaby about the moon for a sleepy toddler.",
    "Give me a dialogue between a barista and a robot customer.",
    "I want a funny conversation between a cat and a dog about who owns the sofa.",
    "Can you write a two-minute bedtime story about a dragon who is afraid of the dark?",
    "Could you make a podcast intro for a show about gardening?",
    "Please generate a news bulletin about a flood in a small town.",
    "Write a scene where a waiter keeps bringing the wrong order.",
    "Tell me a story about a lighthouse keeper and a lost whale.",
    "I'd like a heated debate between two chefs over pineapple on pizza.",
    "Draft a voicemail from a pirate to his landlord.",
    "Create a soundscape of a rainy night in Tokyo.",
    "Make a short skit in which a teacher catches a student sleeping.",
    "Put together a mock interview with a time traveller.",
    "Generate a monologue of a villain explaining his plan, about one minute long.",
    "Write three lines of banter between a pilot and air traffic control.",
    "Can you produce a quick weather report for a town on Mars?",
    "I need a calm meditation guide with ocean sounds, five minutes.",
    "Come up with a scene at a train station where two old friends meet again.",
    "Imagine a phone call between a grandmother and her grandson in space, and voice it.",
    "Record a fake commercial for an umbrella that never opens.",
    "Write something funny about Mondays for two voices.",
    "Give me a breaking-news style announcement that the office coffee machine is broken.",
    "Let's hear a sports commentator narrating a snail race.",
    "Narrate a nature documentary about pigeons in a city park.",
    "Write me a haiku about autumn rain.",
    "Generate a podcast.",
    "Hey, can you do a dramatic reading of a shopping list as if it were Shakespeare?",
    "Act out a quarrel between a king and his jester.",
    "Make up a story about a robot who learns to dance.",
    "Tell me the story of the three little pigs, told by the wolf.",
    "Generate ambient sounds of a forest at night with an owl.",
    "I want you to write a short breakup scene between two houseplants.",
    "Please compose a cheerful jingle for a bakery called Sunny Buns.",
    # Mandarin
    "生成一段悬疑广播剧，在深夜的便利店里。",
    "创作一段两个宇航员争抢最后一包咖啡的对话。",
    "给我来一段相声，讲讲上班迟到的理由。",
    "帮我做一个三十秒的奶茶店广告。",
    "请写一首关于秋天的短诗。",
    "来一段侦探和嫌疑人之间紧张的交锋。",
    "我想听一个关于小龙怕黑的睡前故事。",
    "能不能编一段邻居隔着篱笆吵架的戏？",
    "讲个笑话，关于程序员的。",
    "做一期关于养猫的播客开场。",
    "生成一段雨夜咖啡馆里的环境音。",
    "给我写一段老板和员工讨价还价的对白，一分钟左右。",
    "请创作一个两人之间的短剧，主题是搬家。",
    "写一段外卖员和保安在小区门口的争执。",
    # Spanish
    "Escribe un diálogo corto entre un astronauta y su madre.",
    "Genera una discusión entre dos vecinos por una valla.",
    "¿Puedes crear un anuncio de radio de treinta segundos para una panadería?",
    "Cuéntame una historia sobre un faro abandonado.",
    # Japanese
    "宇宙飛行士二人が最後のコーヒーを取り合う短いコントを書いて。",
    "探偵と容疑者の緊張したやりとりを作ってください。",
    "猫についての短い物語を生成してください。",
    "隣人同士の口論のシーンを作成して。",
    # written after the rules above, as held-out checks; kept so that no later change loses them
    'Write a radio play about a haunted lighthouse.',
    'Generate a conversation between a nervous pilot and a calm passenger.',
    'Create a bedtime story for a five-year-old about a brave turtle.',
    'Make me a commercial for a new energy drink.',
    'Can you generate a dialogue of two kids arguing over a toy?',
    'I want a horror scene set in an abandoned hospital.',
    'Produce an audio drama where a detective interrogates a parrot.',
    'Please write a funny exchange between a customer and a grumpy shopkeeper.',
    'Give me a 20-second radio spot for a pizza place.',
    'Compose a short poem about the sea, read by an old sailor.',
    'Write a fight scene between two rival wizards.',
    'Create an intro for my true-crime podcast.',
    'Generate a wedding toast from the best man.',
    'Make an audiobook-style narration of a walk through a rainforest.',
    'Tell a story about a fox and a crow.',
    'Could you create a chat between Siri and Alexa?',
    'Write a dramatic breakup phone call.',
    'Generate a stand-up comedy bit about airport security.',
    "Make a kids' show segment about brushing teeth.",
    "I'd love a spooky ghost story for a campfire.",
    'Write a rap battle between a cat and a vacuum cleaner.',
    "Create a tour guide's speech at the Colosseum.",
    'Generate a sci-fi scene aboard a failing spaceship.',
    'Write an interview between a journalist and a retired superhero.',
    '生成一段两个老人在公园下棋的对话。',
    '帮我写一个关于猫咪的睡前故事。',
    '来个搞笑的小段子，讲程序员加班。',
    '创作一个机器人和小女孩的温馨故事。',
    '给我生成一段婚礼主持词。',
    '做一段地铁站里的广播。',
    '写一个恐怖的鬼故事，三分钟左右。',
    '我要一段两个人吵架的录音。',
    'Escribe una escena de terror en un hospital abandonado.',
    'Crea un cuento para dormir sobre un dragón.',
    'Hazme un anuncio de radio para una pizzería.',
    'Genera una conversación entre un taxista y un turista.',
    '面白いラジオドラマを作ってください。',
    '猫と犬の会話を書いてください。',
    '結婚式のスピーチを作成して。',
    '怖い話を聞かせて。',
    'Write dialogue for two farmers complaining about the weather.',
    'Make a scary story with creaking doors and wind.',
    'Create a news report on a cat elected mayor.',
    'Generate an ad read by an excited announcer for sneakers.',
    'Can I get a short scene of a chef yelling at a new cook?',
    "Let's do a quiz show with a host and two contestants.",
    'Could you compose a birthday song for my brother Tom?',
    'Produce a radio segment interviewing a beekeeper.',
    'Write a motivational speech for a losing football team at half-time.',
    'Tell a bedtime tale about the moon who lost her shine.',
    'Make a conversation between a teenager and her dad about curfew.',
    'I need an announcement for passengers about a delayed train.',
    'Give me an old-timey radio serial opening with a narrator.',
    "Write a toast for my parents' 40th anniversary.",
    'Generate a debate about whether cereal is soup.',
    'Draft a movie trailer voiceover for a film about killer bees.',
    'Create a guided tour of a haunted castle.',
    'Write a parody of a nature documentary about office workers.',
    'Make an awkward first date scene at a sushi bar.',
    'Please produce a 1-minute explainer about black holes.',
    '写一段主持人和嘉宾的访谈。',
    '生成一个关于太空探险的广播剧。',
    '给我编个故事，主角是一只会说话的狗。',
    '帮我写一段婚礼致辞，要幽默一点。',
    '请做一段超市打折的广播。',
    '来一段两个人的脱口秀。',
    '创作一首关于家乡的歌。',
    '写一个短视频的旁白，讲怎么做红烧肉。',
    'Escribe una canción sobre el verano.',
    'Genera un podcast sobre cocina italiana.',
    'Inventa una historia de piratas para niños.',
    'ロボットと少女の物語を書いて。',
    '駅のアナウンスを作ってください。',
    'Write a eulogy for a goldfish named Bubbles.',
    'Generate a sketch where a robot applies for a job.',
    'Create a podcast episode about the history of pizza.',
    'Make a commercial for socks that never get lost.',
    'Produce a two-person scene on a sinking ship.',
    'Could you write a telephone conversation between a scammer and a grandma?',
    'I want an epic movie trailer for a film about a hamster.',
    'Tell me a ghost story set in a library.',
    "Write a children's audio book chapter about a sleepy bear.",
    'Compose a victory speech for a spelling bee champion.',
    'Give me a short horror clip with footsteps and a scream.',
    'Generate a confrontation between a knight and a dragon.',
    'Write a poem for two voices about rain.',
    'Make a radio quiz with three contestants.',
    'Draft an airline safety announcement in the style of a pirate.',
    'Can you create an argument between two GPS voices?',
    'Write lyrics for a lullaby about stars.',
    'Generate a museum audio guide for a painting of a storm.',
    "Let's make a mystery podcast intro.",
    'Produce a cooking show segment where the chef burns everything.',
    '写一段关于猫和狗吵架的对话。',
    '生成一个短篇科幻故事。',
    '给我来一首关于春天的诗。',
    '帮我创作一段商场开业的主持词。',
    '做一个外卖小哥和顾客的小品。',
    '编一段父子之间的对话，关于高考。',
    'Escribe un monólogo de un villano.',
    'Crea una conversación entre dos robots.',
    '物語を作って。',
    '二人の漫才を書いてください。',
)

TEXTS = (
    "Make sure you lock the door.",
    "Write to me soon, she said.",
    "The library opens at nine in the morning.",
    "Make yourself at home, the kettle is on.",
    "Give me your hand and don't look down.",
    "Create an account to continue.",
    "Can you hear me at the back?",
    "I want to go home.",
    "Tell me the truth.",
    "Write your name at the top of the page.",
    "The story so far: a farmer finds a key in a field.",
    "That drama last night was the best thing on television.",
    "Make the bed before you leave for school.",
    "Compose yourself, the guests are arriving.",
    "Produce your ticket at the gate, please.",
    "I need a doctor, quickly!",
    "Generating electricity from the wind is cheaper than ever.",
    "Please keep your bags with you at all times.",
    "Write down everything you see, the officer told her.",
    "She wanted to write a story about her grandmother, but never found the time.",
    "Every good story needs a villain.",
    "Give me a minute, I'm almost ready.",
    "Could you pass the salt, please?",
    "Make a wish and blow out the candles.",
    "Create space in your day for the things you love.",
    "I want you to know that I will always be here.",
    "Tell him I said hello.",
    "Let's go to the beach tomorrow.",
    "Imagine all the people living life in peace.",
    "Write a letter to your grandmother every week, my mother always said.",
    "Make a drama out of everything, that's my brother.",
    "Give me a call when you land.",
    "Write soon and tell us everything about the trip.",
    "This podcast is brought to you by our listeners.",
    "Generate leads, close deals, repeat: that was his whole career.",
    "Make some noise for our next guest!",
    "Can you believe it is already December?",
    "Produce more, waste less: the factory's new motto.",
    "Tell me what you think of the new house.",
    "Do the dishes before your father gets home.",
    "Read the instructions carefully before you begin.",
    "Play it again, Sam.",
    "Show me the way to the station.",
    "Give me a break.",
    "Have a wonderful trip, and call us when you arrive.",
    "Once upon a time, a fox wrote a drama about a crow.",
    # Mandarin
    "写作业去，别玩手机了。",
    "做人要诚实。",
    "给我一杯水。",
    "请把门关上。",
    "生成器坏了，明天再修。",
    "写字楼里灯火通明。",
    "创作是一件孤独的事。",
    "今天天气很好，我们一起去公园散步吧。",
    "这个故事告诉我们，做人不能太贪心。",
    "我想回家。",
    "来吧，我们走。",
    "给我讲讲你今天过得怎么样。",
    "他写了一个关于外卖员的故事，拿了奖。",
    "做一个好人比做一个有钱人更难。",
    # Spanish
    "Escribe pronto, te echo de menos.",
    "Haz la cama antes de salir.",
    "Dame la mano.",
    "Quiero ir a casa.",
    # Japanese
    "早く手紙を書いてね、と彼女は言った。",
    "ドアに鍵をかけてください。",
    "名前をここに書いてください。",
    "今日はいい天気ですね。",
    # held-out, as above; the few still taken for instructions are printed by the test
    'Make a well in the flour and add the eggs.',
    'Create a new folder called Photos on your desktop.',
    'Write a check for fifty dollars to the school.',
    'Generate a new password every three months.',
    "Tell your sister I'm sorry.",
    'Make the most of every day.',
    'Write clearly and keep your sentences short.',
    'Give us this day our daily bread.',
    'Create a strong password with at least twelve characters.',
    'Produce a valid ID at the entrance.',
    'Can you tell me the time?',
    'I want a refund.',
    'Let me know if you need anything.',
    'Make a left at the second traffic light.',
    'Draw a circle and colour it blue.',
    'Do a quick search before you ask.',
    'Give a man a fish and you feed him for a day.',
    'Record the meter reading at the end of each month.',
    'Imagine a world without music.',
    'Tell a friend about us and get ten percent off.',
    'Create a habit of reading every night.',
    'I need a story I can tell my kids tonight, said Tom.',
    'Our story begins in a small village by the sea.',
    'The drama club meets every Thursday after school.',
    'Write the date at the top of every page.',
    'Have a seat, the doctor will see you soon.',
    '做个好梦。',
    '来一杯咖啡，谢谢。',
    '写完作业再看电视。',
    '给我一个拥抱吧。',
    '请给我一份菜单。',
    '生成式人工智能正在改变世界。',
    '我想写一本小说，但一直没时间。',
    '做一个有用的人。',
    'Escribe tu nombre en la primera página.',
    'Haz lo que puedas.',
    'Dame un minuto, ya voy.',
    '手紙を書いてください。',
    '静かにしてください。',
    '水をください。',
    'Make your bed every morning.',
    'Write it down before you forget.',
    'Give me strength.',
    'Create something beautiful today, the poster said.',
    'Tell me about your day.',
    'Make a copy of this document for your records.',
    'Write a review and help other customers.',
    'Generate a report from the dashboard by clicking Export.',
    'Produce evidence or drop the charges.',
    'Imagine that.',
    'Can you see the lighthouse from here?',
    'I want a cup of tea.',
    'Do a barrel roll!',
    'Make it stop.',
    'Tell the truth and shame the devil.',
    'Write what you know.',
    'Give me liberty or give me death.',
    'Let it be.',
    'Compose your answer in the box below.',
    'Create a free account in under a minute.',
    'Write a haiku every day for a year, she told herself.',
    'Tell a joke to break the ice.',
    'Now the story turns darker.',
    'A drama unfolds at the town hall tonight.',
    'Give them a round of applause.',
    'Make a note of the time.',
    '给我闭嘴。',
    '写信告诉我你的近况。',
    '做一顿好饭给家人吃。',
    '来一碗牛肉面。',
    '请给我讲讲路怎么走。',
    '故事还没有结束。',
    '生成的文件在桌面上。',
    'Haz clic en el botón azul.',
    'Escríbeme cuando llegues.',
    'Cuéntame qué pasó ayer.',
    'ここに座ってください。',
    'もう一度言ってください。',
    'Write back when you can.',
    'Make yourself comfortable.',
    'Give me a hand with these boxes.',
    'Create a username and a password.',
    'Tell me more.',
    'Generate some interest before the launch, the manager said.',
    'Compose the message carefully.',
    'I want a new bike for my birthday.',
    'Can you play the piano?',
    'Make a reservation for two at eight.',
    'Write a list of things you are grateful for.',
    'Do a little dance, make a little love, get down tonight.',
    'Tell a lie once and all your truths become questionable.',
    'Give a little respect to the people around you.',
    'Imagine the possibilities.',
    'Make an effort to arrive on time.',
    'Write a thank-you card to your aunt.',
    'Produce results, not excuses.',
    'The story of the century is unfolding right now.',
    'In this drama, nobody wins.',
    "I'd like a window seat, please.",
    'Create a backup before updating your phone.',
    'Show a little kindness today.',
    "Let's hear it for the band!",
    '给我一点时间。',
    '来一份炒饭。',
    '做一个深呼吸。',
    '写一封信给远方的朋友。',
    'Dame un abrazo.',
    'おやすみなさいと言ってください。',
)


def test_the_table_is_large_enough() -> None:
    assert len(INSTRUCTIONS) + len(TEXTS) >= 60
    assert len(set(INSTRUCTIONS) | set(TEXTS)) == len(INSTRUCTIONS) + len(TEXTS)


def test_no_instruction_is_read_as_text_and_few_texts_are_taken_for_instructions() -> None:
    spoken = [(p, classify(p).describe()) for p in INSTRUCTIONS if classify(p).mode is not Mode.INSTRUCTION]
    silenced = [(p, classify(p).describe()) for p in TEXTS if classify(p).mode is not Mode.TEXT]
    rate = len(silenced) / len(TEXTS)
    print(f"\nissue 14 table: {len(INSTRUCTIONS)} instructions, {len(spoken)} read as text; "
          f"{len(TEXTS)} texts, {len(silenced)} taken for instructions ({rate:.1%})")
    for prompt, why in silenced:
        print(f"  text taken for an instruction: {prompt!r}: {why}")
    assert spoken == []
    assert rate <= MAX_TEXT_AS_INSTRUCTION, silenced


@pytest.mark.parametrize("prompt", ISSUE_14)
def test_the_issue_prompts_say_why(prompt: str) -> None:
    decision = classify(prompt)
    assert decision.mode is Mode.INSTRUCTION and decision.confidence >= SURE
    assert decision.reason.startswith("opens with '")
    if prompt.startswith("Write"):
        assert decision.describe().startswith("instruction: opens with 'Write a short sketch of ...'")


def test_text_gives_a_reason_too() -> None:
    decision = classify("Make sure you lock the door.")
    assert decision.mode is Mode.TEXT
    assert decision.reason == ("opens with 'Make sure you lock the ...', but what follows ('sure') is not"
                               " something to make")
    assert classify("The library opens at nine.").reason == "does not open by asking for something to be made"


class RecordingJudge:
    """A judge with a fixed verdict that remembers what it was asked (a writer model stands here in use)."""

    def __init__(self, mode: Mode, fail: bool = False) -> None:
        self.mode, self.fail = mode, fail
        self.asked: list[str] = []

    def __call__(self, prompt: str) -> Decision:
        self.asked.append(prompt)
        if self.fail:
            raise AppFailed("the writer model's answer could not be used: timeout")
        return Decision(self.mode, "a request for new content", 0.9)


def test_a_judge_decides_only_when_the_heuristic_is_unsure() -> None:
    unsure = "Write a limerick."  # a request, but nothing in its shape proves it
    sure = "Make sure you lock the door."
    assert classify(unsure).confidence < SURE <= classify(sure).confidence
    judge = RecordingJudge(Mode.INSTRUCTION)
    decided = classify(unsure, judge)
    assert decided.mode is Mode.INSTRUCTION and decided.reason.startswith("judged by the writer model")
    assert classify(sure, judge).mode is Mode.TEXT
    assert judge.asked == [unsure]


def test_a_failing_judge_leaves_the_heuristic_decision_and_says_so() -> None:
    decided = classify("Write a limerick.", RecordingJudge(Mode.INSTRUCTION, fail=True))
    assert decided.mode is classify("Write a limerick.").mode
    assert "the writer model could not judge" in decided.reason
