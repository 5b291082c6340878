print("podium-bench")
