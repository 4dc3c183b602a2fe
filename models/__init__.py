"""Rule data of finnews (gazetteers, dictionaries, patterns, trigger words). Data only, no code."""
