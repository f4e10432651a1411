"""The Arrow row store both dataset kinds share: memory-mapped Arrow files and their writer
(:mod:`.files`), the chunk-aware gather over them (:mod:`.table`), a dataset's metadata (:mod:`.info`) and
the fingerprints that key every cache (:mod:`.fingerprint`). No torch here.
"""
