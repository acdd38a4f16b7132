#!/usr/bin/env python3
"""File-level import graph of a Rust crate, and its cycles.

graphgate keeps its files in a bottom-up order: no file imports a file that
(directly or through others) imports it back. This script checks that from
the source, without building: for every file under a crate's `src/` it
collects the paths the file names (`use` declarations and inline
`crate::…`, `super::…`, `self::…` paths outside `#[cfg(test)]` modules),
resolves each path to the file that defines the item (following `pub use`
re-exports, so `use crate::mailbox::MailService` points at the file that
defines `MailService`, not at `mailbox/mod.rs`), and reports every cycle.

A module file declaring its children (`mod x;`) is not an import. A test
module (`#[cfg(test)] mod tests_x;`, or `mod tests { … }`) is left out: it
sits on top of what it tests.

Usage:
  tools/import_graph.py [--root src] [--entry lib.rs] [--dot] [--edges]
Exit status 1 when there is a cycle.
"""

import argparse
import os
import re
import sys

USE_RE = re.compile(r"\b(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.S)
INLINE_RE = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
MOD_RE = re.compile(r"^\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)
ITEM_RE = re.compile(
    r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+|const\s+|unsafe\s+)*"
    r"(?:fn|struct|enum|trait|type|const|static|union|macro_rules!)\s+([A-Za-z_][A-Za-z0-9_]*)",
    re.M,
)


def strip_comments_and_strings(text):
    """Blank out comments and string literals, keeping line structure."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]):
            m = re.match(r"'(\\.|[^\\'])'", text[i:])
            out.append("' '")
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def drop_test_modules(text):
    """Remove `#[cfg(test)] mod x { … }` blocks (inline test modules)."""
    out, i = [], 0
    pat = re.compile(r"#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*mod\s+\w+\s*\{")
    while True:
        m = pat.search(text, i)
        if not m:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j


class Crate:
    def __init__(self, root, entry):
        self.root = root
        self.files = {}  # module path tuple -> file
        self.test_files = set()
        self.walk((), os.path.join(root, entry), top=True)
        self.by_file = {f: m for m, f in self.files.items()}
        self.text = {}
        self.items = {}
        self.reexports = {}
        for mod, f in self.files.items():
            raw = open(f, encoding="utf-8").read()
            text = drop_test_modules(strip_comments_and_strings(raw))
            self.text[f] = text
            self.items[f] = set(ITEM_RE.findall(text))
            self.reexports[f] = {}
            for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);", text, re.S):
                for p, alias in self.use_paths(m.group(1)):
                    self.reexports[f][alias] = p

    def walk(self, mod, path, top=False, test=False):
        self.files[mod] = path
        if test:
            self.test_files.add(path)
        text = strip_comments_and_strings(open(path, encoding="utf-8").read())
        base = os.path.dirname(path)
        if not (top or os.path.basename(path) == "mod.rs"):
            base = os.path.join(base, os.path.splitext(os.path.basename(path))[0])
        for m in MOD_RE.finditer(text):
            name = m.group(1)
            is_test = test or "cfg(test)" in m.group(0)
            for cand in (os.path.join(base, name + ".rs"), os.path.join(base, name, "mod.rs")):
                if os.path.exists(cand):
                    self.walk(mod + (name,), cand, test=is_test)
                    break

    @staticmethod
    def use_paths(tree):
        return expand_use_alias(tree)

    def absolute(self, mod, segs):
        """Resolve a path's leading crate/super/self against module `mod`."""
        segs = list(segs)
        if not segs:
            return None
        if segs[0] == "crate":
            return list(segs[1:])
        if segs[0] in ("super", "self"):
            cur = list(mod)
            while segs and segs[0] in ("super", "self"):
                if segs[0] == "super":
                    if not cur:
                        return None
                    cur.pop()
                segs.pop(0)
            return cur + segs
        # 2018 paths: a child module of this one, else an external crate
        if tuple(mod) + (segs[0],) in self.files:
            return list(mod) + segs
        return None

    def locate(self, segs, seen=None):
        """The file defining the item `crate::segs`."""
        seen = seen or set()
        best = ()
        for i in range(len(segs), -1, -1):
            if tuple(segs[:i]) in self.files:
                best = tuple(segs[:i])
                break
        f = self.files[best]
        rest = segs[len(best):]
        if not rest or rest[0] == "*":
            return f
        name = rest[0]
        key = (f, name)
        if name in self.reexports[f] and key not in seen:
            seen.add(key)
            target = self.absolute(best, self.reexports[f][name].split("::"))
            if target is not None:
                return self.locate(target + rest[1:], seen)
        return f

    def edges(self):
        out = {}
        for mod, f in self.files.items():
            if f in self.test_files:
                continue
            text = self.text[f]
            blocks = inline_modules(text)
            paths = []
            for m in USE_RE.finditer(text):
                paths.extend((p, m.start()) for p, _ in expand_use_alias(m.group(1)))
            body = USE_RE.sub(lambda m: " " * len(m.group(0)), text)
            paths.extend((m.group(1), m.start()) for m in INLINE_RE.finditer(body))
            targets = set()
            for p, at in paths:
                here = mod + tuple(name for start, end, name in blocks if start <= at < end)
                segs = [s for s in p.split("::") if s]
                ab = self.absolute(here, segs)
                if ab is None:
                    continue
                t = self.locate(ab)
                if t != f and t not in self.test_files:
                    targets.add(t)
            out[f] = targets
        return out


def inline_modules(text):
    """(start, end, name) of every `mod name { … }` written inside a file."""
    blocks = []
    for m in re.finditer(r"\bmod\s+([a-z_][a-z0-9_]*)\s*\{", text):
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        blocks.append((m.start(), j, m.group(1)))
    return blocks


def expand_use_alias(tree):
    """Expand a use tree into (path, visible name) pairs."""
    tree = tree.strip()
    tree = re.sub(r"\s+", " ", tree)

    def split_top(s):
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
                continue
            depth += {"{": 1, "}": -1}.get(ch, 0)
            cur += ch
        if cur.strip():
            parts.append(cur)
        return parts

    def go(prefix, s):
        s = s.strip()
        brace = s.find("{")
        if brace < 0:
            m = re.match(r"^(.*?)\s+as\s+(\w+)$", s)
            path, alias = (m.group(1), m.group(2)) if m else (s, s.split("::")[-1])
            path = (prefix + path).replace(" ", "")
            if path.endswith("::self"):
                path = path[: -len("::self")]
                alias = path.split("::")[-1] if not m else alias
            return [(path, alias)]
        head, body = s[:brace].replace(" ", ""), s[brace + 1:s.rfind("}")]
        res = []
        for part in split_top(body):
            res.extend(go(prefix + head, part))
        return res

    return go("", tree)


def cycles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default="src")
    ap.add_argument("--entry", default="lib.rs")
    ap.add_argument("--dot", action="store_true", help="print the graph in Graphviz dot")
    ap.add_argument("--edges", action="store_true", help="print every edge")
    args = ap.parse_args()
    crate = Crate(args.root, args.entry)
    graph = crate.edges()
    rel = lambda f: os.path.relpath(f, args.root)
    if args.dot:
        print("digraph imports {")
        for f, ts in sorted(graph.items()):
            for t in sorted(ts):
                print(f'  "{rel(f)}" -> "{rel(t)}";')
        print("}")
    if args.edges:
        for f, ts in sorted(graph.items()):
            for t in sorted(ts):
                print(f"{rel(f)} -> {rel(t)}")
    comps = cycles(graph)
    for comp in comps:
        print("cycle among: " + ", ".join(rel(f) for f in comp))
        members = set(comp)
        for f in comp:
            for t in sorted(graph[f] & members):
                print(f"    {rel(f)} -> {rel(t)}")
    n_edges = sum(len(t) for t in graph.values())
    print(f"{len(graph)} files, {n_edges} imports, {len(comps)} cycles", file=sys.stderr)
    return 1 if comps else 0


if __name__ == "__main__":
    sys.exit(main())
