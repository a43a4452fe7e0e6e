#!/usr/bin/env python3
"""Counts the hand-written lines of a program: lines that are neither
blank nor only comment (C and JS: // and /* */; the schema, Python: #,
and a Python module's docstring).

    count.py FILE...   prints the total
"""
import re
import sys


def code_lines(path):
    text = open(path, encoding="utf-8").read()
    if path.endswith((".c", ".h", ".js", ".mjs")):
        text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                      text, flags=re.S)
        text = re.sub(r"(^|\s)//[^\n]*", r"\1", text)
    elif path.endswith(".py"):
        text = re.sub(r'\A\s*""".*?"""', lambda m: "\n" * m.group(0).count(
            "\n"), text, flags=re.S)
        text = re.sub(r"(^|\s)#[^\n]*", r"\1", text)
    else:  # the schema language
        text = re.sub(r"#[^\n]*", "", text)
    return sum(1 for line in text.splitlines() if line.strip())


print(sum(code_lines(p) for p in sys.argv[1:]))
