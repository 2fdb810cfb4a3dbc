#!/usr/bin/env python3
"""A differential check of cirm's Jinja interpreter against Jinja2 itself, set up as Hugging Face's
transformers sets it up for chat templates: a deterministic generator writes random templates
from the constructs chat templates use (if/elif/else, for with a filter, else, break and continue,
set, namespaces, whitespace control with - and +, comments, filters, tests, str and dict methods,
slices, operators, inline if), Jinja2 renders each for a fixed conversation, and the result is
written in the layout cirm_chat_peer_check reads.

    random_templates_jinja2.py OUT.json [COUNT] [SEED]      (default 3000 templates, seed 1234)

Where Jinja2 raises, cirm must raise too (with any message: Python's exception texts are not
cirm's); where Jinja2 renders, cirm must render the same text or refuse with a cirm::error (a
construct it does not implement, such as writing a range object). Exit 77 (skipped) where Jinja2
is not installed.
"""

import datetime
import json
import os
import random
import sys
import warnings

if len(sys.argv) >= 2 and os.path.exists(sys.argv[1]):
    os.remove(sys.argv[1])  # never leave an earlier run's renderings to be compared

try:
    from jinja2.exceptions import TemplateError
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:
    print("skipped: Python's jinja2 is not installed (Debian: python3-jinja2)")
    sys.exit(77)

DATE = "26 Jul 2024"
MESSAGES = [
    {"role": "system", "content": " You are {{ helpful }}. "},
    {"role": "user", "content": "Hi \u00e9\u4e2d\n<think>"},
    {"role": "assistant", "content": "</think> Hello! 'x' \"y\" \\ \n"},
]

ATOMS = ["messages", "messages[0]", "messages[-1]", "messages[1:]", "messages[::-1]", "messages|length", "m", "m.role",
         "m['content']", "m.content", "bos_token", "eos_token", "add_generation_prompt", "date_string", "tools", "nothing",
         "ns.x", "'a b '", '"x\\ny"', "'\\t'", "''", "0", "1", "-2", "3", "2.5", "1e3", "true", "false", "none",
         "[1, 2, 3]", "['a', 'b']", "{'k': 'v', 'n': 1}", "(1, 'x')", "'</think>'", "' <think>\\n x \\n</think>\\n\\n y'",
         "'\u00e9\u4e2d'", "'AbC'", "'12'", "' 3.5 '"]
FILTERS = ["trim", "length", "list", "first", "last", "string", "tojson", "tojson(indent=2)", "join(', ')", "join",
           "reverse|list", "default('d')", "default('d', true)", "int", "abs", "upper", "lower", "items|list",
           "selectattr('role', 'equalto', 'user')|list", "rejectattr('role', 'equalto', 'user')|list",
           "map(attribute='role')|list", "select('string')|list", "reject('none')|list", "count", "capitalize",
           "replace('a', 'b')", "trim('x')", "float", "map('trim')|join('|')", "tojson(sort_keys=true)"]
METHODS = ["strip()", "strip('\\n')", "lstrip('\\n ')", "rstrip()", "split('</think>')", "split()", "split(' ', 1)",
           "startswith('<')", "endswith('>')", "upper()", "lower()", "replace('o', '0')", "get('role')", "get('zz', 5)",
           "items()|list", "keys()|list", "values()|list", "split('</think>')[-1].lstrip('\\n')"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable", "sequence", "odd",
         "even", "divisibleby 2", "equalto 'user'", "true", "false", "boolean", "in ['user', 'system']", "lower", "upper"]
OPERATORS = ["+", "-", "*", "/", "//", "%", "~", "==", "!=", "<", ">=", "in", "not in", "and", "or"]


def generate(rng, count):
    def expression(depth=0):
        r = rng.random()
        if depth > 2 or r < 0.3:
            return rng.choice(ATOMS)
        if r < 0.45:
            return expression(depth + 1) + " | " + rng.choice(FILTERS)
        if r < 0.55:
            return "(" + expression(depth + 1) + ")." + rng.choice(METHODS)
        if r < 0.65:
            return expression(depth + 1) + " is " + rng.choice(["", "not "]) + rng.choice(TESTS)
        if r < 0.85:
            return "(" + expression(depth + 1) + " " + rng.choice(OPERATORS) + " " + expression(depth + 1) + ")"
        if r < 0.9:
            return "not " + expression(depth + 1)
        if r < 0.95:
            return "(" + expression(depth + 1) + " if " + expression(depth + 1) + " else " + expression(depth + 1) + ")"
        return "(" + expression(depth + 1) + ")[" + rng.choice(["0", "-1", "1:", ":2", "::-1", "'role'"]) + "]"

    def text():
        return rng.choice(["", "\n", "  ", "\n    ", "x", " y\n", "\n\n", "\t\n  "])

    def statement(depth=0):
        r = rng.random()
        o, c = "{%" + rng.choice(["", "-", "", "+"]), rng.choice(["", "-", "", "+"]) + "%}"
        if depth > 2 or r < 0.35:
            return text() + "{{" + rng.choice(["", "-"]) + " " + expression() + " " + rng.choice(["", "-"]) + "}}" + text()
        if r < 0.55:
            return (f"{o} if {expression()} {c}{body(depth + 1)}{o} elif {expression()} {c}{body(depth + 1)}"
                    f"{o} else {c}{body(depth + 1)}{o} endif {c}")
        if r < 0.75:
            source = rng.choice(["messages", "messages[::-1]", "messages[1:]", "[]", "m", "range(3)", "'ab'"])
            condition = rng.choice(["", " if m.role != 'user'", " if loop is defined"])
            control = rng.choice(["", "{% if loop.last %}{% break %}{% endif %}", "{% continue %}",
                                  "{{ loop.index }}{{ loop.revindex0 }}{{ loop.first }}"])
            return f"{o} for m in {source}{condition} {c}{body(depth + 1)}{control}{o} else {c}e{o} endfor {c}"
        if r < 0.85:
            return f"{o} set {rng.choice(['v', 'm', 'ns.x'])} = {expression()} {c}" + text()
        return f"{{# c #}}{text()}{o} set ns.x = {expression()} {c}"

    def body(depth):
        return "".join(statement(depth) for _ in range(rng.randint(1, 3)))

    for _ in range(count):
        head = "{% set ns = namespace(x=0) %}{% set m = messages[-1] %}" + rng.choice(["", "\n"])
        yield head + body(0) + rng.choice(["", "\n"])


def main():
    if len(sys.argv) not in (2, 3, 4):
        print("usage: random_templates_jinja2.py OUT.json [COUNT] [SEED]", file=sys.stderr)
        return 2
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1234

    def raise_exception(message):
        raise TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    warnings.simplefilter("ignore", SyntaxWarning)  # Python's own warnings about the compiled templates
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = datetime.datetime.strptime(DATE, "%d %b %Y").strftime
    out = {"date_string": DATE, "templates": []}
    rendered = 0
    for i, source in enumerate(generate(random.Random(seed), count)):
        item = {"messages": MESSAGES, "add_generation_prompt": i % 2 == 0}
        try:
            item["output"] = env.from_string(source).render(
                messages=MESSAGES, tools=None, documents=None, add_generation_prompt=item["add_generation_prompt"],
                date_string=DATE, bos_token="<s>", eos_token="</s>")
            rendered += 1
        except Exception as e:  # any failure of Jinja2's: cirm must fail too
            item["error"] = f"{type(e).__name__}: {e}"
        out["templates"].append({"name": f"random template {i}", "source": source, "bos_token": "<s>", "eos_token": "</s>",
                                 "errors_match_any": True, "refusals_allowed": True, "cases": [item]})
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
    print(f"{count} random templates (seed {seed}) rendered by Jinja2 {__import__('jinja2').__version__}: "
          f"{rendered} rendered, {count - rendered} raised")
    return 0


if __name__ == "__main__":
    sys.exit(main())
