"""portside's AWS Lambda adapter: one Lambda function carries the whole service.

Selected with `App(..., adapter="aws")`; `app.entry_point` is then the Lambda handler.
Each native event shape lives in its own module as a pair of pure functions.
"""
