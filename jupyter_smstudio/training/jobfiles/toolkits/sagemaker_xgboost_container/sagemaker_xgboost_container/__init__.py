"""A stand-in for the parts of aws/sagemaker-xgboost-container that user scripts import
(``encoder``, ``constants.xgb_content_types``); the container itself is not on PyPI."""
