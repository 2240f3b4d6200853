"""Words of ``ylt batch`` (issue 19): a region's pooling areas planned one task each, serially or
on a Dask cluster; why an area failed, the progress lines and the closing summary: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "batch.failed_load": ("数据包无法使用：{reason}", "the package cannot be used: {reason}"),
    "batch.failed_cells": ("人口格网无法使用：{reason}", "the population cells cannot be used: {reason}"),
    "batch.failed_settings": ("设置不被接受：{reason}", "the settings are refused: {reason}"),
    "batch.failed_plan": ("无法规划：{reason}", "cannot be planned: {reason}"),
    "batch.failed_districts": (
        "数据包中没有本统筹区的区县 {districts}（数据包在查找统筹区之后被改动？）",
        "the package has no district {districts} of this pooling area (changed since the areas were found?)"),
    "batch.crashed": ("计算中断（程序错误 {error}），其余区域照常完成", "the run stopped ({error}); the other areas went on"),
    "batch.out_of_memory": (
        "内存不足：工作进程超过内存上限被重启（{error}）；请用内存更大的工作进程重跑该区域",
        "out of memory: the worker went over its memory limit and was restarted ({error}); run this area again on "
        "a worker with more memory"),
    "batch.status_ok": ("完成，{took}", "done, {took}"),
    "batch.status_resumed": ("已完成，跳过", "done before, skipped"),
    "batch.status_failed": ("失败：{reason}", "failed: {reason}"),
    "batch.progress": ("[{done}/{total}] {name}（{area}）：{status}", "[{done}/{total}] {name} ({area}): {status}"),
    "batch.progress_took": ("{seconds:.1f} 秒，峰值内存 {peak_mb} MB", "{seconds:.1f} s, peak memory {peak_mb} MB"),
    "batch.counter": ("{done}/{total} 个区域完成，{failed} 个失败", "{done}/{total} areas, {failed} failed"),
    "batch.found": ("{region}：{areas} 个统筹区", "{region}: {areas} pooling areas"),
    "batch.none_found": ("{region} 中没有找到数据包", "no data package found in {region}"),
    "batch.not_found": ("找不到 {region}", "{region} does not exist"),
    "batch.cells_not_found": ("找不到人口格网目录 {cells}", "the population cells folder {cells} does not exist"),
    "batch.mode_serial": ("逐个计算（本进程）", "one area at a time, in this process"),
    "batch.mode_local": ("本机 Dask 集群：{workers} 个工作进程，每个 1 个线程", "a local Dask cluster: {workers} workers, 1 thread each"),
    "batch.mode_address": ("Dask 集群 {address}：{workers} 个工作进程", "the Dask cluster at {address}: {workers} workers"),
    "batch.cluster_unreachable": ("无法连接 Dask 集群 {address}：{reason}", "cannot reach the Dask cluster at {address}: {reason}"),
    "batch.summary": (
        "完成 {ok} 个，跳过已完成 {resumed} 个，失败 {failed} 个；用时 {seconds:.1f} 秒",
        "{ok} done, {resumed} done before and skipped, {failed} failed; {seconds:.1f} s"),
    "batch.written": ("结果：{files}", "results: {files}"),
    "batch.failed_line": ("未完成 {name}（{area}）：{reason}", "not done: {name} ({area}): {reason}"),
    "batch.grid_count_unknown": ("区域中没有区县 {district}", "no district {district} in the region"),
}
