"""What a researcher reads (verify/report/): the main job (main_job, markdown), the paper audit (paper_evidence,
paper_audit), the README findings (findings) and the benchmarks (bench)."""
