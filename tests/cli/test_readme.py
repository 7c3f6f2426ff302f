#!/usr/bin/python3
"""The README and the docs/ pages run as written: every block marked `<!-- test: run -->` is
run in order, as bash, in one scratch folder per page with the built mpinmf first on PATH, and
every block marked `<!-- test: output -->` after it must still be what that run printed.

Markers (an HTML comment on the line before a fenced block, invisible on GitHub):
  <!-- test: run -->              the commands must succeed (bash, set -e, pipefail)
  <!-- test: run, exit N -->      the block must end with exit status N (an error shown on purpose)
  <!-- test: output -->           each shown line appears, in order, in the run's output (stdout
                                  and stderr together; runs of spaces are equal, `...` skips)
  <!-- test: output, numbers vary -->   the same, any number where the block shows one

Open MPI's oversubscription default from CTest's environment is removed, so a page that asks
for more ranks than a 2-core machine has without saying --oversubscribe fails here as it
would for a reader."""
import os
import re
import subprocess
import tempfile
import unittest

import support

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
README_LIMIT = 250  # lines: the front door stays short; depth goes to docs/
BLOCK_SECONDS = 300
MARKER = re.compile(r"^<!--\s*test:\s*(.*?)\s*-->\s*$")
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
# A number in a shown line: not the digit of a word or a file name (h5, k1).
NUMBER_IN_TEXT = re.compile(r"(?<![A-Za-z_\d.])" + NUMBER + r"(?![A-Za-z_\d])")
# A commit hash: seven or more hex digits holding both a digit and a letter, not part of a
# number (6.28689574e-01) or a word.
COMMIT_HASH = re.compile(r"(?<![\w.])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}(?![\w.+-])")


class Block:
    def __init__(self, page, line, options, text):
        self.page, self.line, self.text = page, line, text
        words = [word.strip() for word in options.split(",")]
        self.kind = words[0]
        self.numbers_vary = "numbers vary" in words
        self.exit_status = 0
        for word in words[1:]:
            if word.startswith("exit "):
                self.exit_status = int(word.split()[1])

    def where(self):
        return f"{os.path.relpath(self.page, SOURCE)}:{self.line}"


def marked_blocks(page):
    """The page's marked fenced blocks, in order."""
    with open(page, encoding="utf-8") as text:
        lines = text.read().splitlines()
    blocks = []
    at = 0
    while at < len(lines):
        marker = MARKER.match(lines[at])
        at += 1
        if not marker:
            continue
        if at >= len(lines) or not lines[at].startswith("```"):
            raise AssertionError(f"{page}:{at}: a test marker must stand right before a ``` block")
        start = at + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        blocks.append(Block(page, at, marker.group(1), "\n".join(lines[start:end]) + "\n"))
        at = end + 1
    return blocks


def line_pattern(shown, numbers_vary):
    """A regular expression for one shown line of output."""

    def literal(text):
        return "".join(r"\s+" if chunk.isspace() else re.escape(chunk)
                       for chunk in re.split(r"(\s+)", text) if chunk)

    parts = NUMBER_IN_TEXT.split(shown.strip()) if numbers_vary else [shown.strip()]
    return re.compile(NUMBER.join(literal(part) for part in parts))


def unmatched_line(shown_text, output, numbers_vary):
    """The first shown line not found in `output` after the lines matched before it, or None."""
    output_lines = [line.strip() for line in output.splitlines()]
    position = 0
    for shown in shown_text.splitlines():
        if not shown.strip() or shown.strip() in ("...", "…"):
            continue
        pattern = line_pattern(shown, numbers_vary)
        while position < len(output_lines) and not pattern.fullmatch(output_lines[position]):
            position += 1
        if position == len(output_lines):
            return shown
        position += 1
    return None


def pages():
    docs = os.path.join(SOURCE, "docs")
    return [os.path.join(SOURCE, "README.md")] + sorted(
        os.path.join(docs, name) for name in os.listdir(docs) if name.endswith(".md"))


def environment():
    bin_folder = os.path.dirname(os.path.abspath(support.ARGS.mpinmf))
    mpirun_folder = os.path.dirname(os.path.abspath(support.ARGS.mpirun))
    env = {name: value for name, value in os.environ.items()
           if name != "OMPI_MCA_rmaps_base_oversubscribe"}
    # Debian's python3 (with h5py) before any other on PATH, as on the machine the page targets.
    env["PATH"] = os.pathsep.join([bin_folder, mpirun_folder, "/usr/bin", env.get("PATH", "")])
    return env


class MatcherTest(unittest.TestCase):
    """The matcher itself: shown output that the program no longer prints must fail."""

    def test_changed_words_or_order_do_not_match(self):
        output = "mpinmf summary\n  iterations   147 (converged)\n  relative error   8.5e-02\n"
        self.assertIsNone(unmatched_line("iterations 147 (converged)", output, False))
        self.assertIsNone(unmatched_line("iterations 99 (converged)\nrelative error 1e-3",
                                         output, True))
        self.assertEqual(unmatched_line("iterations 99 (converged)", output, False),
                         "iterations 99 (converged)")
        self.assertEqual(unmatched_line("iterations 1 (reached --max-iter)", output, True),
                         "iterations 1 (reached --max-iter)")
        self.assertEqual(unmatched_line("relative error 1\niterations 1 (converged)", output, True),
                         "iterations 1 (converged)")

    def test_a_digit_inside_a_name_is_not_a_number(self):
        self.assertIsNotNone(unmatched_line("wrote planted.h5", "wrote planted.h7", True))


class PagesTest(unittest.TestCase):
    def test_the_readme_is_a_short_front_door(self):
        with open(os.path.join(SOURCE, "README.md"), encoding="utf-8") as readme:
            text = readme.read()
        self.assertLessEqual(len(text.splitlines()), README_LIMIT)
        self.assertIn("scripts/demo.sh", text.split("\n## ")[0])
        self.assertIn("scripts/test.sh", text.split("\n## ")[0])
        runs = [block for block in marked_blocks(os.path.join(SOURCE, "README.md"))
                if block.kind == "run"]
        self.assertGreaterEqual(len(runs), 5, "the quick start's commands are tested")

    def test_no_page_carries_commit_hashes(self):
        for page in pages():
            with open(page, encoding="utf-8") as text:
                for number, line in enumerate(text, 1):
                    self.assertIsNone(COMMIT_HASH.search(line), f"{page}:{number}: {line}")

    def test_every_page_runs_as_written(self):
        for page in pages():
            blocks = marked_blocks(page)
            if not blocks:
                continue
            with self.subTest(page=os.path.relpath(page, SOURCE)):
                self.run_page(blocks)

    def run_page(self, blocks):
        env = environment()
        with tempfile.TemporaryDirectory(prefix="mpinmf-readme-") as folder:
            for name in ("scripts", "slurm"):
                os.symlink(os.path.join(SOURCE, name), os.path.join(folder, name))
            output = None
            for block in blocks:
                if block.kind == "run":
                    completed = subprocess.run(
                        ["bash", "-c", "set -eo pipefail\n" + block.text], cwd=folder, env=env,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                        timeout=BLOCK_SECONDS, check=False)
                    output = completed.stdout
                    self.assertEqual(completed.returncode, block.exit_status,
                                     f"{block.where()}:\n{block.text}\nprinted:\n{output}")
                elif block.kind == "output":
                    self.assertIsNotNone(output, f"{block.where()}: output before any run")
                    missing = unmatched_line(block.text, output, block.numbers_vary)
                    self.assertIsNone(missing, f"{block.where()}: shown but not printed:\n"
                                      f"{missing}\nthe run printed:\n{output}")
                else:
                    self.fail(f"{block.where()}: unknown marker '{block.kind}'")


if __name__ == "__main__":
    support.main()
