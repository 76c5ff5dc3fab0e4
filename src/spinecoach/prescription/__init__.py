"""Pure prescription: assessment -> program, and program + sessions -> adapted program."""
