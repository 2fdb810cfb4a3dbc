#!/usr/bin/env python3
"""Checks that the project's dependencies point one way, by reading #include lines.

Usage:
    check_layering.py SOURCE_DIR   check the tree; print each violation as FILE:LINE: RULE: ...
    check_layering.py --self-test  check a made-up tree with one violation of every rule (each
                                   must be reported) and a clean one (nothing may be)

The rules (see docs/architecture.md for the layers):
  concepts      a header of include/cirm/concepts/ includes only vocabulary headers (the headers
                at the top of include/cirm/, the umbrella cirm.hpp excepted) and other concepts
  vocabulary    a vocabulary header includes only vocabulary headers and detail/
  areas         a header of a core area (include/cirm/<area>/) includes only the areas that
                AREA_DEPENDENCIES allows it (a new area needs a row there); no core header
                includes a backend header
  formats       inside include/cirm only io/ and report/ include nlohmann (the file formats are
                opt-in)
  tests         examples/ and bench/ include nothing from tests/, and their CMakeLists.txt add
                no tests/ folder to an include path
  apps          no file outside apps/ includes a header of apps/ (such as "cirm_cli/...")
  tools         a file of one tool (a folder of tools/ with a main.cpp) includes no header of
                another tool; a folder of tools/ without main.cpp is a shared library any tool
                may include
  detail        examples/ call nothing in a `detail` namespace, and examples/, apps/, tools/,
                bench/ and fuzz/ include no header of include/cirm/detail/

Standard library only (Debian's python3). Exit status 0: no violation; 1: violations (or a stale
allow-list entry); 2: bad usage.
"""

import contextlib
import fnmatch
import io
import os
import re
import sys
import tempfile

# The core areas (folders of include/cirm/) and the areas each may include, besides itself, the
# vocabulary headers at the top of include/cirm/ and detail/. Read as "row -> may include".
# The layers, bottom up: vocabulary and detail; concepts; stats, search, attributes, select,
# intervene; eval; calibrate; pipeline; then the opt-in areas that nothing below includes: io
# (the file formats, which may read and write any type of the layers below) and report (the HTML
# report of an evaluation document); testing (the toy reward model, for tests, examples and
# method research) stands beside them. text (tokenizer.json tokenizers) includes nothing but
# vocabulary headers and detail; io reads its file format.
_BELOW_IO = {"concepts", "attributes", "stats", "search", "select", "intervene", "eval", "calibrate", "pipeline"}
AREA_DEPENDENCIES = {
    "detail": set(),
    "concepts": set(),
    "stats": set(),
    "search": set(),
    "attributes": {"concepts"},
    "select": {"concepts", "stats"},
    "intervene": {"concepts"},
    "eval": {"concepts", "attributes", "intervene"},
    "calibrate": {"concepts", "attributes", "stats", "search", "select", "intervene", "eval"},
    "pipeline": {"concepts", "attributes", "stats", "search", "select", "intervene", "eval", "calibrate"},
    "text": set(),
    "io": _BELOW_IO | {"text"},
    "report": _BELOW_IO | {"io"},
    "testing": {"concepts", "attributes"},
}
# Folders of include/cirm/ that hold backends (their headers live under backends/*/include).
BACKEND_FOLDERS = {"cpu", "cuda", "reference", "libtorch"}
# The opt-in areas that read or write files: the only ones that may include nlohmann.
FORMAT_AREAS = {"io", "report"}
UMBRELLA = "cirm.hpp"

# Known violations that other work in progress removes. Each entry: (rule, file pattern). A
# finding that matches an entry is printed as allowed instead of failing the check; an entry that
# matches nothing fails the check, so that the list is emptied as the offenders are fixed.
KNOWN_OFFENDERS = [
    # (rule, path pattern): a known violation that other work removes; an entry that matches
    # nothing fails the check, so the list is emptied as they go. Empty: none is known.
]

SOURCE_SUFFIXES = (".hpp", ".cpp", ".h", ".cc", ".cu", ".cuh")
SCANNED_FOLDERS = ("include", "backends", "apps", "tools", "tests", "examples", "bench", "fuzz")
INCLUDE_LINE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
DETAIL_CALL = re.compile(r"\bdetail::")
INCLUDE_DIRECTORIES_CALL = re.compile(r"\b(?:target_)?include_directories\s*\(([^)]*)\)", re.S)


class Tree:
    """The repository's files and the folders an include is looked up in."""

    def __init__(self, root):
        self.root = root
        self.files = []
        for top in SCANNED_FOLDERS:
            for folder, subfolders, names in os.walk(os.path.join(root, top)):
                subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and not d.startswith("build"))
                for name in sorted(names):
                    if name.endswith(SOURCE_SUFFIXES):
                        self.files.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
        self.search_folders = ["include"]
        for parent in ("backends", "apps"):
            for name in self._folders(parent):
                for inner in ("include", "src"):
                    if os.path.isdir(os.path.join(root, parent, name, inner)):
                        self.search_folders.append(f"{parent}/{name}/{inner}")
        self.search_folders += ["tests", "fuzz"]
        for name in self._folders("tools"):
            self.search_folders.append(f"tools/{name}")
            if os.path.isdir(os.path.join(root, "tools", name, "include")):
                self.search_folders.append(f"tools/{name}/include")

    def _folders(self, parent):
        path = os.path.join(self.root, parent)
        return sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d))) if os.path.isdir(path) else []

    def is_tool_program(self, tool):
        return os.path.isfile(os.path.join(self.root, "tools", tool, "main.cpp"))

    def resolve(self, including_file, bracket, path):
        """The repository file an include names, or None (a system or third-party header)."""
        candidates = [os.path.dirname(including_file)] if bracket == '"' else []
        for folder in candidates + self.search_folders:
            joined = os.path.normpath(os.path.join(folder, path)).replace(os.sep, "/")
            if os.path.isfile(os.path.join(self.root, joined)):
                return joined
        return None


def includes_of(tree, relpath):
    """(line number, bracket, path as written, resolved repository path or None) per #include."""
    out = []
    with open(os.path.join(tree.root, relpath), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE_LINE.match(line)
            if m:
                out.append((number, m.group(1), m.group(2), tree.resolve(relpath, m.group(1), m.group(2))))
    return out


def core_area(path):
    """'<area>' for include/cirm/<area>/..., 'vocabulary' for include/cirm/<file>, else None."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "include" or parts[1] != "cirm":
        return None
    return "vocabulary" if len(parts) == 3 else parts[2]


def check(tree):
    """Every violation, as (file, line, rule, message)."""
    found = []
    for relpath in tree.files:
        top = relpath.split("/")[0]
        area = core_area(relpath)
        for number, bracket, written, resolved in includes_of(tree, relpath):
            shown = f"{bracket}{written}{'>' if bracket == '<' else chr(34)}"

            def report(rule, message):
                found.append((relpath, number, rule, f"{message}: #include {shown}"))

            target_area = core_area(resolved) if resolved else None
            # concepts: only vocabulary headers and other concepts
            if area == "concepts" and resolved and target_area not in ("vocabulary", "concepts"):
                report("concepts", "a concept header includes something other than vocabulary headers and concepts")
            elif area == "concepts" and resolved and resolved.endswith("/" + UMBRELLA) and target_area == "vocabulary":
                report("concepts", "a concept header includes the umbrella header")
            # vocabulary: only vocabulary and detail
            if area == "vocabulary" and not relpath.endswith("/" + UMBRELLA) and target_area not in (None, "vocabulary", "detail"):
                report("vocabulary", f"a vocabulary header includes {target_area}/")
            # core areas: no backend header, and the table
            written_parts = written.split("/")
            backend = (resolved or "").startswith("backends/") or (
                len(written_parts) > 2 and written_parts[0] == "cirm" and written_parts[1] in BACKEND_FOLDERS)
            if area is not None and backend:
                report("areas", f"the core header ({area}) includes a backend header")
            elif area not in (None, "vocabulary", "concepts") and target_area not in (None, "vocabulary", "detail", area):
                if area not in AREA_DEPENDENCIES:
                    report("areas", f"core area {area}/ has no row in AREA_DEPENDENCIES (add one)")
                elif target_area not in AREA_DEPENDENCIES[area]:
                    report("areas", f"{area}/ may not include {target_area}/ (allowed: "
                           f"{', '.join(sorted(AREA_DEPENDENCIES[area])) or 'no other area'})")
            # formats: nlohmann only in the opt-in format areas
            if area is not None and area not in FORMAT_AREAS and written.startswith("nlohmann/"):
                report("formats", f"{area}/ includes nlohmann (only {', '.join(sorted(FORMAT_AREAS))} read or write JSON)")
            # tests: examples and benchmarks include nothing from tests/
            if top in ("examples", "bench") and (resolved or "").startswith("tests/"):
                report("tests", f"{top}/ includes a file of tests/")
            # apps: nothing outside apps/ includes an app header
            if top != "apps" and ((resolved or "").startswith("apps/") or written.startswith("cirm_cli/")):
                report("apps", "a file outside apps/ includes a header of apps/")
            # tools: no tool includes another tool's internals
            if top == "tools" and resolved and resolved.startswith("tools/"):
                own, other = relpath.split("/")[1], resolved.split("/")[1]
                if other != own and tree.is_tool_program(other):
                    report("tools", f"tools/{own}/ includes an internal header of the tool tools/{other}/")
            # detail: outside code includes no detail header
            if top in ("examples", "apps", "tools", "bench", "fuzz") and (resolved or written).startswith(
                    ("include/cirm/detail/", "cirm/detail/")):
                report("detail", f"{top}/ includes a detail header of the library")
        if top == "examples":
            with open(os.path.join(tree.root, relpath), encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    code = line.split("//", 1)[0]
                    if DETAIL_CALL.search(code):
                        found.append((relpath, number, "detail", f"an example calls into a detail namespace: {line.strip()}"))
    for folder in ("examples", "bench"):
        for walk_folder, _, names in os.walk(os.path.join(tree.root, folder)):
            if "CMakeLists.txt" not in names:
                continue
            cmake = os.path.join(walk_folder, "CMakeLists.txt")
            relpath = os.path.relpath(cmake, tree.root).replace(os.sep, "/")
            with open(cmake, encoding="utf-8", errors="replace") as f:
                text = f.read()
            for m in INCLUDE_DIRECTORIES_CALL.finditer(text):
                if re.search(r"(^|[/\s}])tests(/|\s|$)", m.group(1)):
                    number = text.count("\n", 0, m.start()) + 1
                    found.append((relpath, number, "tests", f"{folder}/ adds tests/ to an include path: {m.group(0).split(chr(10))[0]}"))
    return found


def area_cycle():
    """A cycle in AREA_DEPENDENCIES as a list of areas, or None."""
    state = {}

    def visit(area, path):
        state[area] = "open"
        for other in sorted(AREA_DEPENDENCIES.get(area, ())):
            if state.get(other) == "open":
                return path + [area, other]
            if other not in state:
                cycle = visit(other, path + [area])
                if cycle:
                    return cycle
        state[area] = "done"
        return None

    for area in sorted(AREA_DEPENDENCIES):
        if area not in state:
            cycle = visit(area, [])
            if cycle:
                return cycle
    return None


def run(root, known_offenders):
    cycle = area_cycle()
    if cycle:
        print("layering: AREA_DEPENDENCIES has a cycle: " + " -> ".join(cycle))
        return 1
    tree = Tree(root)
    failures, allowed, used = [], [], set()
    for relpath, number, rule, message in check(tree):
        entry = next((e for e in known_offenders if e[0] == rule and fnmatch.fnmatch(relpath, e[1])), None)
        (allowed if entry else failures).append(f"{relpath}:{number}: {rule}: {message}")
        if entry:
            used.add(entry)
    for line in allowed:
        print("known, allowed until fixed: " + line)
    for line in failures:
        print(line)
    stale = [e for e in known_offenders if e not in used]
    for rule, pattern in stale:
        print(f"check_layering.py: the allow-list entry ({rule!r}, {pattern!r}) matches nothing any more: remove it")
    print(f"layering: {len(tree.files)} files, {len(failures)} violations, {len(allowed)} known and allowed, "
          f"{len(stale)} stale allow-list entries")
    return 1 if failures or stale else 0


# --- self-test ---------------------------------------------------------------------------------
# One made-up tree per rule violation; each must be reported under its rule, naming the file and
# line. The clean tree must pass.
CLEAN_TREE = {
    "include/cirm/site.hpp": '#pragma once\n#include <vector>\n#include "cirm/detail/config.hpp"\n',
    "include/cirm/detail/config.hpp": "#pragma once\n",
    "include/cirm/cirm.hpp": '#include "cirm/site.hpp"\n#include "cirm/select/top.hpp"\n',
    "include/cirm/concepts/selector.hpp": '#include <span>\n#include "cirm/site.hpp"\n#include "cirm/concepts/other.hpp"\n',
    "include/cirm/concepts/other.hpp": "#pragma once\n",
    "include/cirm/select/top.hpp": '#include "cirm/concepts/selector.hpp"\n#include "cirm/site.hpp"\n',
    "include/cirm/calibrate/search.hpp": '#include "cirm/select/top.hpp"\n',
    "include/cirm/eval/metrics.hpp": '#include "cirm/site.hpp"\n',
    "include/cirm/io/json.hpp": '#include <nlohmann/json.hpp>\n#include "cirm/eval/metrics.hpp"\n',
    "include/cirm/testing/toy.hpp": '#include "cirm/concepts/selector.hpp"\n',
    "apps/cirm/src/cirm_cli/command.hpp": '#include "cirm/cirm.hpp"\n',
    "apps/cirm/main.cpp": '#include "cirm_cli/command.hpp"\n',
    "tools/datagen/main.cpp": '#include "style.hpp"\n#include "shared_style.hpp"\n',
    "tools/datagen/style.hpp": "#pragma once\n",
    "tools/shared/shared_style.hpp": "#pragma once\n",
    "tools/train/main.cpp": '#include "shared_style.hpp"\n',
    "tests/support/fixtures.hpp": "#pragma once\n",
    "tests/select/test_top.cpp": '#include "support/fixtures.hpp"\n#include "cirm/detail/config.hpp"\n',
    "examples/toy/main.cpp": '#include "cirm/testing/toy.hpp"\n// not detail::anything in a comment\nint main() {}\n',
    "examples/CMakeLists.txt": "target_include_directories(example PRIVATE ${PROJECT_SOURCE_DIR}/include)\n",
    "bench/CMakeLists.txt": "add_executable(bench_x x.cpp)\n",
    "bench/x.cpp": '#include "cirm/site.hpp"\n',
    "fuzz/target.cpp": '#include "cirm/site.hpp"\n',
}
# (rule, file, line, what to add to the clean tree: file -> text that replaces or creates it)
VIOLATIONS = [
    ("concepts", "include/cirm/concepts/selector.hpp", 2,
     {"include/cirm/concepts/selector.hpp": '#include <span>\n#include "cirm/select/top.hpp"\n'}),
    ("concepts", "include/cirm/concepts/selector.hpp", 1,
     {"include/cirm/concepts/selector.hpp": '#include "cirm/cirm.hpp"\n'}),
    ("vocabulary", "include/cirm/site.hpp", 2, {"include/cirm/site.hpp": '#pragma once\n#include "cirm/eval/metrics.hpp"\n'}),
    ("areas", "include/cirm/select/top.hpp", 1, {"include/cirm/select/top.hpp": '#include "cirm/calibrate/search.hpp"\n'}),
    ("areas", "include/cirm/eval/metrics.hpp", 1, {"include/cirm/eval/metrics.hpp": '#include "cirm/io/json.hpp"\n'}),
    ("areas", "include/cirm/novel/thing.hpp", 1, {"include/cirm/novel/thing.hpp": '#include "cirm/select/top.hpp"\n'}),
    ("areas", "include/cirm/eval/metrics.hpp", 1,
     {"include/cirm/eval/metrics.hpp": '#include "cirm/cpu/raw.hpp"\n', "backends/cpu/include/cirm/cpu/raw.hpp": "\n"}),
    ("formats", "include/cirm/eval/metrics.hpp", 2,
     {"include/cirm/eval/metrics.hpp": '#include "cirm/site.hpp"\n#include <nlohmann/json.hpp>\n'}),
    ("tests", "examples/toy/main.cpp", 1, {"examples/toy/main.cpp": '#include "support/fixtures.hpp"\n'}),
    ("tests", "bench/x.cpp", 2, {"bench/x.cpp": '#include "cirm/site.hpp"\n#include "support/fixtures.hpp"\n'}),
    ("tests", "examples/CMakeLists.txt", 2,
     {"examples/CMakeLists.txt": "add_executable(e main.cpp)\ntarget_include_directories(e PRIVATE\n  ${PROJECT_SOURCE_DIR}/tests)\n"}),
    ("tests", "bench/CMakeLists.txt", 1, {"bench/CMakeLists.txt": "include_directories(../tests)\n"}),
    ("apps", "fuzz/target.cpp", 1, {"fuzz/target.cpp": '#include "cirm_cli/command.hpp"\n'}),
    ("apps", "tests/select/test_top.cpp", 1, {"tests/select/test_top.cpp": '#include "cirm_cli/command.hpp"\n'}),
    ("tools", "tools/train/main.cpp", 2, {"tools/train/main.cpp": '#include "shared_style.hpp"\n#include "style.hpp"\n'}),
    ("detail", "examples/toy/main.cpp", 2, {"examples/toy/main.cpp": "int main() {\n    cirm::detail::helper();\n}\n"}),
    ("detail", "apps/cirm/main.cpp", 1, {"apps/cirm/main.cpp": '#include "cirm/detail/config.hpp"\n'}),
    ("detail", "bench/x.cpp", 1, {"bench/x.cpp": '#include "cirm/detail/config.hpp"\n'}),
]


def write_tree(root, files):
    for relpath, text in files.items():
        path = os.path.join(root, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def quiet_run(root, known_offenders):
    with contextlib.redirect_stdout(io.StringIO()):
        return run(root, known_offenders)


def self_test():
    failures = []
    with tempfile.TemporaryDirectory() as root:
        write_tree(root, CLEAN_TREE)
        clean = check(Tree(root))
        if clean:
            failures.append(f"the clean tree was reported: {clean}")
    for rule, relpath, line, change in VIOLATIONS:
        with tempfile.TemporaryDirectory() as root:
            write_tree(root, {**CLEAN_TREE, **change})
            found = check(Tree(root))
            if not any(f[0] == relpath and f[1] == line and f[2] == rule for f in found):
                failures.append(f"not reported: {rule} at {relpath}:{line} (reported: {found})")
            elif quiet_run(root, []) == 0:
                failures.append(f"the check passed a tree with a {rule} violation at {relpath}:{line}")
    # the allow-list: a listed offender passes, and an entry that matches nothing fails
    with tempfile.TemporaryDirectory() as root:
        write_tree(root, {**CLEAN_TREE, "fuzz/target.cpp": '#include "cirm_cli/command.hpp"\n'})
        if quiet_run(root, [("apps", "fuzz/*.cpp")]) != 0:
            failures.append("a listed known offender failed the check")
        if quiet_run(root, [("apps", "fuzz/*.cpp"), ("tools", "tools/train/*")]) == 0:
            failures.append("a stale allow-list entry passed the check")
    if area_cycle():
        failures.append("AREA_DEPENDENCIES has a cycle: " + " -> ".join(area_cycle()))
    for failure in failures:
        print("self-test: " + failure)
    print(f"self-test: {len(VIOLATIONS)} violations planted, {len(failures)} failures")
    return 1 if failures else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    return run(argv[1], KNOWN_OFFENDERS)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
