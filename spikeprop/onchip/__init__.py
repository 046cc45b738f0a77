"""On-chip learning as an application: stream labelled N-MNIST samples with their targets through
a learning network on the device model (``export.learning`` via ``export.backend``), freeze it and
report (``experiment``: the run, ``report``: learning.json + accuracy.png, ``data``: the frames)."""
