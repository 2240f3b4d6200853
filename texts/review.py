"""Words of the review page and the meeting (评审模式): cards, filters, compare, presentation: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # presentation
    "rv_present": ("演示模式", "Presentation mode"),
    "rv_present_help": ("投影用：隐藏侧栏和筛选控件，地图置顶，大字显示；刷新页面仍保持。点“全屏”或按 F11 让浏览器全屏。",
                        "For the projector: the sidebar and the filters hidden, the map first, large type; a refresh "
                        "keeps it. Click Full screen or press F11 for the browser's full screen."),
    "rv_full_screen": ("全屏", "Full screen"),
    "rv_leave_full_screen": ("退出全屏", "Leave full screen"),
    # filters
    "rv_violations_only": ("只看有违规的网格", "Only grids with violations"),
    "rv_served_range": ("居民已服务比例", "Residents served"),
    "rv_village_range": ("村卫生室一体化率", "Village clinics integrated"),
    "rv_rule_filter": ("违反的规则", "Rules broken"),
    "rv_any_rule": ("任一规则", "any rule"),
    "rv_shown": ("显示 {n} / {total} 个网格", "{n} of {total} grids shown"),
    "rv_none_shown": ("没有网格符合筛选条件：放宽或清除上面的筛选。", "No grid passes the filters: widen or clear them above."),
    # the map and the cards
    "rv_grid": ("网格", "Grid"),
    "rv_grid_name": ("{district} 第{n}网格", "{district} grid {n}"),
    "rv_grid_other": ("{district} 网格 {id}", "{district} grid {id}"),
    "rv_grid_code": ("网格编号", "Grid id"),
    "rv_issues": ("违反的规则", "Rules broken"),
    "rv_broken_legend": ("；红色斜线与红色虚线边框 = 有未解决违规的网格（悬停可见规则）",
                         "; red hatching and a red dashed outline = a grid with open violations (hover for the rules)"),
    # compare
    "rv_proposal": ("方案初稿（v1）", "The proposal (v1)"),
    "rv_before_change": ("上次调整网格之前（v{version}）", "Before the last change of the grids (v{version})"),
    "rv_last_filed": ("上次备案的版本（v{version}）", "The last filed version (v{version})"),
    "rv_filed_note": ("备案记录：下载备案包（ZIP）时记入方案日志。", "Filing is logged when the filing package (ZIP) is downloaded."),
    "rv_no_filing": ("这个方案还没有备案过（下载备案包时记入方案日志），这里以上次调整网格之前的版本代替"
                     "（只添加决策说明或锁定的版本不算调整）。",
                     "This plan has not been filed yet (a download of the filing package is logged); the version before "
                     "the last change of the grids stands in for it (a version that only adds a decision note or a lock "
                     "is no change)."),
    "rv_compare_legend": ("同一网格在两侧地图颜色相同；洋红色边框 = 调整了网格的单元（悬停可见原网格→新网格）。",
                          "A grid has the same colour on both maps; magenta outline = a unit that changed grid "
                          "(hover for from → to)."),
    "rv_compare_scope": ("只对比所选区县：{districts}", "Compared in the districts chosen only: {districts}"),
    "rv_compare_grid_filters": ("违规、服务比例与规则的筛选只作用于“评审”视图：对比显示两个版本的全部网格。",
                                "The filters on violations, shares and rules apply to the Review view only: the comparison "
                                "shows every grid of both versions."),
    "rv_figures": ("主要指标前后对比", "The figures before and after"),
    "rv_figure": ("指标", "Figure"),
    "rv_unit": ("单元", "Unit"),
    "rv_presenting": ("{name} · 第 {version} 版", "{name} · version {version}"),
}
