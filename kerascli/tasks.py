"""What a label is: the task names every layer speaks of (datasets, model specs, baselines,
the training core), defined once here in the base layer, which each of them may import."""

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)  # what a label is (--task)
