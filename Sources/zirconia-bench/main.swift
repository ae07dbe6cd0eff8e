// placeholder; replaced by the benchmark
print("zirconia-bench")
