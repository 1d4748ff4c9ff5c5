"""The delivery formats, read and written alike by the gateway, the worker and the client.

A leaf: its modules import only the standard library, orjson and each other, so the client
SDK can use them without loading any server code (tests/shared/test_layering.py).

- archive.py: an archive's entries as typed values, and an image's bytes from its data URI
- names.py: safe, unique file names from caller-supplied uids
- manifest.py: manifest cells safe in a spreadsheet; the client folder's manifest.csv
- rowindex.py: each row's uid and label as JSON lines beside the archive
- zipstream.py: a ZIP written front to back, Zip64 where needed, parts spliced in
- ziprows.py: an archive's rows as ZIP entries and the ZIP's manifest.csv lines
- zippart.py: one chunk's ZIP entries and manifest lines, framed for storage
- registry.py: the image formats (name, media type, extension, writer), one entry each

Reading a stored archive piece by piece (shared/archivestream.py, archiverows.py) needs
ijson's C parser, a server dependency, so it sits beside this package, not in it.
"""
