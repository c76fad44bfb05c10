"""nbgrader settings for learners: `mlkata lab` puts this folder on JUPYTER_CONFIG_PATH, so
the Validate button in JupyterLab reads it.

nbgrader's default of 30 s per cell is shorter than a real fine-tuning check on two CPU
cores (the BERT fine-tune check takes about 35 s), so a correct notebook would fail to
validate.
"""

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)
c.Execute.timeout = 600  # seconds per cell
