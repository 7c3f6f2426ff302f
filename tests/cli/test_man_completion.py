#!/usr/bin/python3
"""The man pages and the bash completion the build writes (cmake/help_files.cmake, from
`mpinmf [SUBCOMMAND] --man` and `mpinmf --completion bash`): the completion script, sourced in
bash, completes options, their fixed values, subcommands and file names; every option of every
command's --help is in its man page and its completion."""
import os
import re
import subprocess

import support

COMMANDS = [[], ["project"], ["convert"], ["generate"], ["survey"]]
OPTION_LINE = re.compile(r"^  (-\w \[ )?(--[\w-]+)")


def built(*parts):
    return os.path.join(os.path.dirname(os.path.abspath(support.ARGS.mpinmf)), "share", *parts)


class ManAndCompletionTest(support.MpinmfTestCase):
    def complete(self, words):
        """COMPREPLY after the words typed so far (the last one being completed)."""
        script = (f'source "{built("completions", "mpinmf")}"\n'
                  'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _mpinmf\n'
                  'printf "%s\\n" "${COMPREPLY[@]}"\n')
        completed = subprocess.run(["bash", "-c", script, "bash"] + words, cwd=self.folder,
                                   capture_output=True, text=True, check=True)
        return [line for line in completed.stdout.splitlines() if line]

    def help_options(self, command):
        run = self.run_mpinmf(command + ["--help"], 1)
        self.assertEqual(run.returncode, 0, run)
        names = {match.group(2) for match in map(OPTION_LINE.match, run.stdout.splitlines())
                 if match}
        self.assertGreater(len(names), 5, run.stdout)
        return names

    def test_an_option_is_completed_from_its_start(self):
        self.assertEqual(self.complete(["mpinmf", "--alg"]), ["--algorithm"])
        self.assertEqual(self.complete(["mpinmf", "survey", "--ran"]), ["--ranks"])

    def test_the_rules_are_the_values_of_algorithm(self):
        self.assertEqual(self.complete(["mpinmf", "--algorithm", ""]),
                         ["mu", "pgd", "hals", "anls-bpp", "kl"])
        self.assertEqual(self.complete(["mpinmf", "-a", "h"]), ["hals"])
        self.assertEqual(sorted(self.complete(["mpinmf", "--init", "nndsvd"])),
                         ["nndsvd", "nndsvda", "nndsvdar"])
        self.assertIn("mtx", self.complete(["mpinmf", "convert", "--format", ""]))

    def test_subcommands_are_completed_after_the_program_only(self):
        self.assertEqual(self.complete(["mpinmf", "su"]), ["survey"])
        self.assertEqual(self.complete(["mpinmf", "survey", "su"]), [])

    def test_file_options_complete_file_names(self):
        open(self.path("planted.h5"), "w").close()
        self.assertEqual(self.complete(["mpinmf", "--input", "pl"]), ["planted.h5"])
        self.assertEqual(self.complete(["mpinmf", "project", "--model", "pl"]), ["planted.h5"])
        self.assertEqual(self.complete(["mpinmf", "--rank", "pl"]), [])

    def test_every_option_of_the_help_is_in_the_completion_and_the_man_page(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                names = self.help_options(command)
                completed = set(self.complete(["mpinmf"] + command + ["--"]))
                self.assertEqual(names, completed)
                page = "mpinmf" + "".join("-" + word for word in command) + ".1"
                with open(built("man1", page), encoding="utf-8") as text:
                    man = text.read().replace("\\-", "-")
                self.assertTrue(man.startswith(f".TH {page[:-2].upper()} 1"), man[:80])
                for name in names:
                    self.assertIn(f"\\fB{name}\\fR", man, name)

    def test_the_man_page_is_the_programs(self):
        run = self.run_mpinmf(["survey", "--man"], 1)
        self.assertEqual(run.returncode, 0, run)
        with open(built("man1", "mpinmf-survey.1"), encoding="utf-8") as text:
            self.assertEqual(run.stdout, text.read())


if __name__ == "__main__":
    support.main()
