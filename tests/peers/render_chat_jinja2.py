#!/usr/bin/env python3
"""The second template peer: Jinja2 itself, set up as Hugging Face's transformers sets it up to
render chat templates (ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and loop
controls; transformers' tojson, raise_exception and strftime_now).

    render_chat_jinja2.py NODE_PEER.json OUT.json

Reads what tests/peers/render_chat.mjs wrote (the templates and conversations) and writes the
same layout with Jinja2's renderings, so that the same checker (cirm_chat_peer_check) compares
cirm with it. Where render_chat.mjs took whitespace out of a response to stay clear of a
difference of @huggingface/jinja from Python (`original_response`), the response as generated is
rendered as well: Jinja2 is the reference there. Exit 77 (skipped) where Jinja2 is not installed.
"""

import datetime
import json
import os
import sys

if len(sys.argv) == 3 and os.path.exists(sys.argv[2]):
    os.remove(sys.argv[2])  # never leave an earlier run's renderings to be compared

try:
    from jinja2.exceptions import TemplateError
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:
    print("skipped: Python's jinja2 is not installed (Debian: python3-jinja2)")
    sys.exit(77)


def environment(date_string):
    def raise_exception(message):
        raise TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    date = datetime.datetime.strptime(date_string, "%d %b %Y")
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = date.strftime
    return env


def main():
    if len(sys.argv) != 3:
        print("usage: render_chat_jinja2.py NODE_PEER.json OUT.json", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        peer = json.load(f)
    env = environment(peer["date_string"])
    out = {"date_string": peer["date_string"], "templates": []}
    for entry in peer["templates"]:
        template = env.from_string(entry["source"])
        cases = []
        for case in entry["cases"]:
            variants = [case["messages"]]
            if "original_response" in case:
                variants.append(case["messages"][:-1] + [{"role": "assistant", "content": case["original_response"]}])
            for messages in variants:
                context = {"messages": messages, "tools": None, "documents": None,
                           "add_generation_prompt": case["add_generation_prompt"], "date_string": peer["date_string"]}
                if entry["bos_token"]:
                    context["bos_token"] = entry["bos_token"]
                if entry["eos_token"]:
                    context["eos_token"] = entry["eos_token"]
                item = {"messages": messages, "add_generation_prompt": case["add_generation_prompt"]}
                try:
                    item["output"] = template.render(**context)
                except TemplateError as e:
                    item["error"] = str(e)
                cases.append(item)
        out["templates"].append({key: entry[key] for key in ("name", "source", "bos_token", "eos_token")} | {"cases": cases})
        print(f"{entry['name']}: {len(cases)} conversations rendered by Jinja2 {__import__('jinja2').__version__}")
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
