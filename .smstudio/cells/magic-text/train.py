import os
import sys

print("args", sys.argv[1:])
print("model dir", os.environ["SM_MODEL_DIR"].endswith("/model"))
print("loss=0.5")
