"""scripts/lib/cli.py — the argument parser every Python script shares.

argparse, with syspath's manners: --help prints the script's own usage text
(its docstring) and exits 0; a bad option is one line on stderr, "NAME: what
is wrong (see --help)", and exit 2; options are never abbreviated.
"""
import argparse
import sys


class Parser(argparse.ArgumentParser):
    def __init__(self, me, doc, **kw):
        super().__init__(prog=me, add_help=False, allow_abbrev=False, **kw)
        self.me, self.doc = me, doc
        self.add_argument("-h", "--help", action="store_true")

    def error(self, message):
        print("%s: %s (see --help)" % (self.me, message), file=sys.stderr)
        sys.exit(2)

    def parse(self, argv, intermixed=False):
        """The options; --help anywhere prints the usage text and exits."""
        if "-h" in argv or "--help" in argv:
            print(self.doc.strip())
            sys.exit(0)
        # an unknown option is named before any missing argument is
        unknown = [a for a in argv if a.startswith("-") and a != "-" and a.split("=", 1)[0] not in
                   self._option_string_actions]
        if unknown:
            self.error("unknown option %r" % unknown[0])
        return self.parse_intermixed_args(argv) if intermixed else self.parse_args(argv)
