print("enhance-ctl")
