"""File extensions of media (images, audio, video), as the `datasets` builders list them (lower case, no dot).

The lists differ between builders in `datasets`, and the differences decide which files a builder takes, so
each builder's list is spelled here once: PIL's readable image formats, libsndfile's audio formats, and what
imagefolder, audiofolder and webdataset add to them.
"""

from __future__ import annotations

#: Image formats PIL opens (``PIL.Image.EXTENSION`` entries whose format is in ``PIL.Image.OPEN``).
PIL_IMAGE = (
    "blp bmp dib bufr cur pcx dcx dds ps eps fit fits fli flc ftc ftu gbr gif grib png apng jp2 j2k jpc "
    "jpf jpx j2c icns ico im iim tif tiff jfif jpe jpg jpeg msp pcd pxr pbm pgm ppm pnm psd bw rgb rgba sgi "
    "ras tga icb vda vst webp wmf emf xbm xpm"
).split()
#: Audio formats libsndfile reads, plus mp3 and opus.
SOUNDFILE_AUDIO = (
    "aiff au avr caf flac htk svx mat4 mat5 mpc2k ogg paf pvf raw rf64 sd2 sds ircam voc w64 wav nist "
    "wavex wve xi mp3 opus"
).split()

#: Files an imagefolder takes as images (`datasets`' ImageFolder.EXTENSIONS, with a dot).
IMAGEFOLDER_EXTENSIONS = frozenset(f".{e}" for e in [*PIL_IMAGE, "mpg", "mpeg"])
#: Files an audiofolder takes as audio (`datasets`' AudioFolder.EXTENSIONS, with a dot).
AUDIOFOLDER_EXTENSIONS = frozenset(
    f".{e}"
    for e in [
        *SOUNDFILE_AUDIO,
        *"3gp 3g2 avi asf flv mp4 mov m4v mkv mpg webm f4v wmv wma ogg ogm mxf nut".split(),
    ]
)
#: WebDataset fields stored as `Image` / `Audio`, by their last extension.
WEBDATASET_IMAGE = frozenset([*PIL_IMAGE, "h5", "hdf", "mpg", "mpeg"])
WEBDATASET_AUDIO = frozenset(SOUNDFILE_AUDIO)
#: WebDataset fields `datasets` stores as Video / Mesh, which this library keeps as raw bytes.
WEBDATASET_RAW_MEDIA = frozenset("mkv mp4 avi mpeg mov glb ply stl".split())
