"""BRO client, local BRO stand-in server and readers of BRO XML and GEF files.

Importing this package loads nothing heavy; the submodules import lxml,
pandas and pyproj when they are used.
"""
