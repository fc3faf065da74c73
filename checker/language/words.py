"""The words of the language, listed once.

The grammar (grammar/carbon.lark) cannot import Python, so its NAME terminal spells RESERVED out again;
tests/test_words.py keeps the two equal. The parse phase builds its error recovery from DECLARATIONS,
the check phase refuses GIVEN as declared names, and docs/language.md lists all three (tested too).
"""

# Words that begin a top-level declaration. `variant` is one, but it is also a name in expressions, so it
# is not reserved.
DECLARATIONS = ("import", "let", "param", "table", "function", "variant", "require", "section", "grades")

# Words that cannot be names: declarations and the keywords of expressions and items.
RESERVED = ("import", "let", "param", "table", "function", "require", "section", "criterion", "grades", "grade",
            "if", "then", "else", "and", "or", "not", "in", "for", "where", "true", "false", "otherwise",
            "cite", "when")

# Names the language gives, which a ruleset cannot declare: `evidence` everywhere, `score` in grade
# conditions, `variant` where the ruleset declares variants.
GIVEN = ("evidence", "score", "variant")
