"""Resolution: from ``load_dataset``'s ``path`` to the files of each split.

A path is a packaged builder with ``data_files``, a local directory or a Hub repo (:mod:`.sources`); its
configs come from the README YAML or the default split patterns (:mod:`.data_files`, :mod:`.repo_metadata`),
its builder from file extensions (:mod:`.data_file_types`), its splits from the slicing grammar
(:mod:`.split_spec`). Pure metadata: nothing here reads rows, so both dataset kinds stand on it.
"""
