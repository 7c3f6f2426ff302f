#!/usr/bin/python3
"""--help and usage errors: every command's options are laid out in one column by display
width (a Greek placeholder once shifted its description), and a mistyped option is answered
with the nearest real one."""
import os
import re

import support

COMMANDS = [[], ["project"], ["convert"], ["generate"], ["survey"]]
# An option's line: two spaces, its names and placeholder, at least two spaces, its text.
OPTION_LINE = re.compile(r"^(  -\S.*?\S)( {2,})(\S.*)$")


def description_columns(help_text):
    """The display column (code points, not bytes) where each option's description starts,
    and that of each continuation line under it."""
    starts, continuations = [], []
    in_options = False
    for line in help_text.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            in_options = True  # a section's caption
            continue
        if not in_options or not line.strip():
            continue
        match = OPTION_LINE.match(line)
        if match:
            starts.append(len(match.group(1)) + len(match.group(2)))
        elif line.startswith("    ") and starts:
            continuations.append(len(line) - len(line.lstrip(" ")))
    return starts, continuations


class HelpTest(support.MpinmfTestCase):
    def help_of(self, command):
        run = self.run_mpinmf(command + ["--help"], 1)
        self.assertEqual(run.returncode, 0, run)
        return run.stdout

    def test_every_description_starts_in_one_column(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                text = self.help_of(command)
                # Only the options part: the footers (Rules, Penalties) are prose.
                options = text[:text.find("\nRules")] if "\nRules" in text else text
                options = options[:options.find("\nPenalties")] if "\nPenalties" in options \
                    else options
                starts, continuations = description_columns(options.split("\n\n", 1)[-1])
                self.assertGreater(len(starts), 3, text)
                self.assertEqual(set(starts), {starts[0]}, text)
                self.assertLessEqual(set(continuations), {starts[0]}, text)

    def test_greek_placeholders_are_aligned_with_the_others(self):
        text = self.help_of(["survey"])
        lines = {match.group(1).split()[0 if match.group(1).startswith("  --") else 2]:
                 len(match.group(1)) + len(match.group(2))
                 for match in map(OPTION_LINE.match, text.splitlines()) if match}
        self.assertEqual(lines["--delta"], lines["--seed"], text)
        self.assertEqual(lines["--l1-ratio"], lines["--seed"], text)

    def test_a_mistyped_option_gets_the_nearest_one(self):
        for command, typed, meant in [([], "--algoritm", "--algorithm"),
                                      (["survey"], "--rnaks", "--ranks"),
                                      (["generate"], "--colums", "--columns")]:
            with self.subTest(typed=typed):
                run = self.run_mpinmf(command + [typed, "1"], 1)
                self.assertEqual(run.rank_status, {0: 2}, run)
                self.assertIn(f"unrecognised option '{typed}' (did you mean {meant}?)",
                              run.stderr)

    def test_the_usage_hint_names_the_command_that_failed(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                run = self.run_mpinmf(command + ["--no-such-option"], 1)
                self.assertEqual(run.rank_status, {0: 2}, run)
                named = " ".join(["mpinmf"] + command)
                self.assertIn(f"Try '{named} --help' for the options.", run.stderr)

    def test_defaults_are_shown_as_people_write_them(self):
        self.assertIn("--noise σ (=0.1) ", self.help_of(["generate"]))

    def test_quiet_silences_every_command_and_keeps_its_result(self):
        made = self.run_mpinmf(["generate", "--rows", "60", "--columns", "20", "--rank", "3",
                                "--output", "V.h5"], 2)
        self.assertEqual(made.returncode, 0, made)
        self.assertIn("mpinmf generate: wrote", made.stdout)
        runs = [(["generate", "--rows", "60", "--columns", "20", "--rank", "3", "-o", "G.h5"],
                 "G.h5"),
                (["-i", "V.h5", "-k", "3", "-o", "F.h5", "--print-every", "1"], "F.h5"),
                (["convert", "-i", "V.h5", "-o", "C.h5"], "C.h5"),
                (["project", "--model", "F.h5", "-i", "V.h5", "-o", "P.h5"], "P.h5"),
                (["survey", "-i", "V.h5", "--ranks", "2:3", "--restarts", "2", "-o", "S.h5"],
                 "S.h5")]
        for arguments, output in runs:
            with self.subTest(command=arguments[0]):
                run = self.run_mpinmf(arguments + ["--quiet"], 2)
                self.assertEqual(run.rank_status, {0: 0, 1: 0}, run)
                self.assertEqual(run.stdout, "", run)
                self.assertTrue(os.path.exists(self.path(output)), run)

    def test_an_option_far_from_every_name_gets_no_guess(self):
        run = self.run_mpinmf(["--zzzzzz", "1"], 1)
        self.assertEqual(run.rank_status, {0: 2}, run)
        self.assertIn("unrecognised option '--zzzzzz'", run.stderr)
        self.assertNotIn("did you mean", run.stderr)


if __name__ == "__main__":
    support.main()
