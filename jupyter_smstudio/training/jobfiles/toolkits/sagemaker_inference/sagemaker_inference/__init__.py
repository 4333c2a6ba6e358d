"""A stand-in for aws/sagemaker-inference-toolkit's modules that inference scripts import
(``content_types``, ``decoder``, ``encoder``, ``errors``, ``environment``,
``default_inference_handler``, ``utils``), put on the path of endpoints, transforms and
jobs whose Python lacks the real package. The model server is jupyter_smstudio's own."""
