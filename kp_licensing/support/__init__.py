"""What sits under the store: the settings, credentials (hashing, tokens, keys), the paths of
the bundled binaries."""
