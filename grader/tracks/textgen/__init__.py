"""Text generation track: the openai client against a local server, decoding from scratch."""
