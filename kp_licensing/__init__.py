"""kp-licensing: the Kimberley Process licensing service of Macao's DSEDT."""
