"""Which framework container's defaults a model gets, from its image or environment.

Apart from the handlers in ``frameworks`` (which load numpy): the control plane reads
these when a model is created, and the server need not load numpy to start.
"""

from __future__ import annotations

import re

#: The model's environment variable naming the framework whose defaults serve it.
FRAMEWORK_ENV = "SMSTUDIO_FRAMEWORK"
#: Its value for a SageMaker built-in algorithm's model (``jupyter_smstudio.algorithms``).
ALGORITHM_FRAMEWORK = "algorithm"

#: Repository names of the images the official SDK resolves (``image_uris.retrieve``).
_IMAGES = [
    (re.compile(r"/sagemaker-scikit-learn(?::|@|$)"), "sklearn"),
    (re.compile(r"/sagemaker-xgboost(?::|@|$)"), "xgboost"),
    (re.compile(r"/pytorch-(?:inference|training)(?::|@|$)"), "pytorch"),
]


def framework_for_image(image: str | None) -> str | None:
    """``683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1`` -> ``xgboost``;
    a first-party algorithm's image (``.../kmeans:1``) -> ``algorithm``."""
    from ...algorithms import algorithm_for_image

    if algorithm_for_image(image) not in (None, "xgboost"):
        return ALGORITHM_FRAMEWORK
    for pattern, name in _IMAGES:
        if image and pattern.search(image):
            return name
    return None
