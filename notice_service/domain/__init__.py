"""Pure domain: amounts, legal rules, deadlines, notice lifecycle, audit log maths. No frameworks, no I/O."""
