"""Making notebooks from the single sources: solutions/, the track's exercises.yaml and checks,
and the question bank. Nothing here is hand-edited output; ``mlkata build`` writes it all."""
