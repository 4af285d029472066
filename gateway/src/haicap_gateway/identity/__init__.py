"""Who may call haicap: users, service accounts, sign-in, tokens, keys and revocation."""
