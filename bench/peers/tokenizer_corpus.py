#!/usr/bin/python3
"""The tokenizer benchmark's corpus: deterministic texts, written as JSON lines (one JSON string a
line) for bench_tokenizer, bench_llamacpp_tokenizer and bench/peers/tokenizer.mjs.

    tokenizer_corpus.py OUT.jsonl [--texts=20000] [--seed=1]

Half of the texts are the project's own (the prompts and responses of data/*.jsonl, in file
order); the other half are generated from a seeded generator: English prose and Markdown, code,
numbers, CJK, Arabic and Hebrew, emoji with zero-width joiners and skin tones, combining marks,
runs of spaces, tabs, CRLF, vertical tab and form feed, special-token text inside content, and
scalar values drawn from every Unicode plane. The same arguments give the same bytes.
"""
import json
import pathlib
import random
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at which "
         "but have an they you were her she there been one all we their has would when if so no what "
         "model reward answer question because however between through during without before after "
         "tokenizer neuron attribute median intervention causal bias length paragraph exclamation").split()
CODE = [
    "def f(x):\n    return x ** 2 + 1\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i] * b[i];\n}\n",
    "const ids = tokenizer.encode(\"Hello, world!\", { add_special_tokens: false });\n",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;\n",
    "if __name__ == '__main__':\n    main(sys.argv[1:])\n",
    "std::vector<std::int32_t> ids; ids.reserve(1024);\n",
    "<div class=\"row\"><span>{{ value | e }}</span></div>\n",
    "x = [i for i in range(100) if i % 3 == 0]  # multiples of three\n",
]
CJK = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切你好世界日本語のテキストです한국어텍스트입니다"
ARABIC = "مرحبا بالعالم هذا نص عربي للاختبار مع أرقام ١٢٣٤٥٦٧٨٩٠ وعلامات ترقيم، نعم؟"
HEBREW = "שלום עולם זהו טקסט בעברית לבדיקה עם ניקוד: בְּרֵאשִׁית בָּרָא"
EMOJI = ["👍", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "❤️", "🇫🇷", "🧑🏿\u200d💻", "😀", "🤖", "✨", "🙂"]
COMBINING = ["e\u0301", "a\u0308", "n\u0303", "o\u0302\u0323", "Z\u0335\u0336", "\u1e9b\u0323", "ﬁ", "Å", "Ω"]
SPACES = ["  ", "   ", "\t", "\t\t", "\r\n", "\n\n", "\n", "\u000b", "\f", " \n ", "\u00a0", "\u3000", "\u2009"]
SPECIAL = ["<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>user<|end_header_id|>", "<bos>",
           "<start_of_turn>", "<end_of_turn>", "<|im_start|>", "</s>", "<s>", "<pad>", "<unk>"]
PLANES = [(0x20, 0x7F), (0xA0, 0x2FFF), (0x3000, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x1FFFF),
          (0x20000, 0x2FFFF), (0x30000, 0x3134F), (0xE0000, 0xE01EF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD)]


def dataset_texts():
    texts = []
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl", "candidates.jsonl"):
        path = ROOT / "data" / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for key in ("prompt", "chosen", "rejected"):
                if isinstance(record.get(key), str) and record[key]:
                    texts.append(record[key])
    return texts


def prose(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    if words:
        words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", "!", "?", "...", ":"])


def number(rng):
    return rng.choice([str(rng.randrange(10 ** rng.randrange(1, 12))), f"{rng.uniform(-1e4, 1e4):.{rng.randrange(0, 6)}f}",
                       f"{rng.randrange(1900, 2100)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                       f"{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
                       f"${rng.randrange(10 ** 7):,}.{rng.randrange(100):02d}", f"{rng.random():.3e}"])


def any_plane(rng, n):
    out = []
    for _ in range(n):
        low, high = rng.choice(PLANES)
        out.append(chr(rng.randrange(low, high + 1)))
    return "".join(out)


def piece(rng):
    kind = rng.choices(["prose", "markdown", "code", "number", "cjk", "rtl", "emoji", "combining", "space",
                        "special", "planes"], weights=[30, 8, 10, 8, 8, 5, 5, 4, 10, 3, 4])[0]
    if kind == "prose":
        return prose(rng, rng.randrange(3, 40))
    if kind == "markdown":
        return rng.choice(["## ", "- ", "**", "1. ", "> ", "`"]) + prose(rng, rng.randrange(2, 12)) + rng.choice(["**", "\n", "`", ""])
    if kind == "code":
        return rng.choice(CODE)
    if kind == "number":
        return number(rng)
    if kind == "cjk":
        start = rng.randrange(len(CJK) - 40)
        return CJK[start:start + rng.randrange(2, 40)]
    if kind == "rtl":
        text = rng.choice([ARABIC, HEBREW])
        start = rng.randrange(len(text) // 2)
        return text[start:start + rng.randrange(5, len(text) // 2)]
    if kind == "emoji":
        return "".join(rng.choice(EMOJI) for _ in range(rng.randrange(1, 6)))
    if kind == "combining":
        return "".join(rng.choice(COMBINING) for _ in range(rng.randrange(1, 8)))
    if kind == "space":
        return "".join(rng.choice(SPACES) for _ in range(rng.randrange(1, 4)))
    if kind == "special":
        return rng.choice(SPECIAL)
    return any_plane(rng, rng.randrange(1, 12))


def generated(rng):
    return "".join(piece(rng) + rng.choice(["", " ", " ", "\n"]) for _ in range(rng.randrange(1, 24)))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    options = dict(arg[2:].split("=", 1) for arg in sys.argv[2:])
    count = int(options.get("texts", 20000))
    rng = random.Random(int(options.get("seed", 1)))
    own = dataset_texts()
    texts = []
    for i in range(count):
        if i % 2 == 0 and own:
            texts.append(own[(i // 2) % len(own)])
        else:
            texts.append(generated(rng))
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        for text in texts:
            out.write(json.dumps(text, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
