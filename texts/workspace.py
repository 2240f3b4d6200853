"""Words of the editing desk (规划工作台): map tools, search, undo, history, notices: code -> (zh, en)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # re-proposing held back by locks (ui/repair.py)
    "locks_block_repair": ("没有变化：锁定阻止了修复。违反规则的 {units} 已锁定，重新生成不移动锁定单元。",
                           "Nothing changed: the locks prevent the repair. {units} break a rule and are locked; "
                           "re-proposing never moves a locked unit."),
    "locks_block_rest": ("已重新生成，但锁定仍阻止修复：违反规则的 {units} 已锁定，重新生成不移动锁定单元。",
                         "Re-proposed, but the locks still prevent a repair: {units} break a rule and are locked; "
                         "re-proposing never moves a locked unit."),
    "locked_unit_in_grid": ("{unit}（{unit_code}，网格 {grid}）", "{unit} ({unit_code}, grid {grid})"),
    "and_more_units": ("等 {n} 个单元", "and {n} more"),
    "unlock_and_repropose": ("解锁这 {n} 个单元并重新生成", "Unlock these {n} units and re-propose"),
    "unlock_and_repropose_help": ("只解锁违反规则的锁定单元，其余锁定保持不变；解锁和重新生成一起保存为一个新版本（可撤销）。",
                                  "Only the locked units that break a rule are unlocked, every other lock stays; the "
                                  "unlock and the re-proposal are saved together as one new version (undo reverts both)."),
    "action_unlock_repropose": ("解锁违规单元并重新生成", "unlocked the units breaking a rule and re-proposed"),
    "repropose_unchanged": ("重新生成没有变化：当前方案已是锁定条件下的最优结果，未保存新版本。",
                            "Re-proposing changed nothing: the plan is already the best around the locks; no new "
                            "version saved."),
    # search (ui/search.py)
    "search_label": ("搜索", "Search"),
    "search_placeholder": ("单元、网格、医院或地名", "Unit, grid, hospital or place"),
    "search_help": ("名称或代码的任一部分均可；回车后选中第一个结果并定位，其余结果列在下方。",
                    "Any part of a name or code; Enter selects the first match and zooms to it, the other matches are "
                    "listed below."),
    "search_results": ("匹配结果（{n}）", "Matches ({n})"),
    "search_none": ("没有找到“{query}”", "Nothing found for “{query}”"),
    "search_kind_unit": ("单元", "unit"),
    "search_kind_grid": ("网格", "grid"),
    "search_kind_facility": ("医疗机构", "facility"),
    "search_kind_district": ("区县", "district"),
    "search_grid_led_by": ("{lead} 牵头", "led by {lead}"),
    # undo and redo (ui/undo.py)
    "undo_help": ("撤销上一次修改（Ctrl+Z）：把上一版本的内容另存为新版本，所有版本都保留在编辑记录中。",
                  "Undo the last edit (Ctrl+Z): the version before it is saved again as a new version; every version "
                  "stays in the edit log."),
    "redo_help": ("重做刚撤销的修改（Ctrl+Y 或 Ctrl+Shift+Z），同样另存为新版本。",
                  "Redo the edit just undone (Ctrl+Y or Ctrl+Shift+Z), also saved as a new version."),
    # painting (ui/editor.py, ui/worktools.py)
    "mode_paint_help_draw": ("点击的每个单元直接划入下方选定的网格；画矩形或多边形可一次涂色框内所有单元（按单元中心点判断，保存为一个版本）。",
                             "Every unit you click joins the grid chosen below; draw a rectangle or polygon to paint "
                             "every unit whose centre lies inside at once (one version)."),
    "paint_nothing_inside": ("框内没有单元的中心点，未涂色。", "No unit's centre lies inside the shape; nothing painted."),
    "paint_in_view": ("列表按地图当前所在区县排序：{district}", "Listed for the district in view first: {district}"),
    # an uploaded plan layout that cannot be read (ui/layout_errors.py)
    "layout_empty": ("文件是空的", "the file is empty"),
    "layout_json_at": ("文件不是完整的 GeoJSON：第 {line} 行第 {char} 个字符处格式错误，文件可能不完整或不是本工具导出的方案",
                       "the file is not complete GeoJSON: its format breaks at line {line}, character {char}; it may be "
                       "cut short or not a plan exported by this tool"),
    "layout_not_utf8": ("文件不是 UTF-8 编码的文本（可能是 Excel、压缩包或其他编码的文件），请导入本工具导出的方案 GeoJSON",
                        "the file is not UTF-8 text (an Excel file, an archive or another encoding, perhaps); import a "
                        "plan GeoJSON exported by this tool"),
    "layout_too_deep": ("文件嵌套层级过深，不是本工具导出的方案", "the file is nested too deeply to be a plan exported by this tool"),
    "layout_not_json": ("文件不是 GeoJSON", "the file is not GeoJSON"),
    # the map's own controls, in the app's language (ui/workmap.py)
    "leaflet_zoom_in": ("放大", "Zoom in"),
    "leaflet_zoom_out": ("缩小", "Zoom out"),
    "leaflet_draw_polygon": ("画多边形", "Draw a polygon"),
    "leaflet_draw_rectangle": ("画矩形", "Draw a rectangle"),
    "leaflet_cancel": ("取消", "Cancel"),
    "leaflet_cancel_title": ("取消绘制", "Cancel drawing"),
    "leaflet_finish": ("完成", "Finish"),
    "leaflet_finish_title": ("完成绘制", "Finish drawing"),
    "leaflet_undo_point": ("删除上一个点", "Delete last point"),
    "leaflet_undo_point_title": ("删除最后画的点", "Delete the last point drawn"),
    "leaflet_polygon_start": ("点击开始画多边形。", "Click to start drawing the shape."),
    "leaflet_polygon_cont": ("点击继续画。", "Click to continue drawing the shape."),
    "leaflet_polygon_end": ("点击第一个点闭合图形。", "Click the first point to close the shape."),
    "leaflet_rectangle_start": ("按住并拖动画矩形。", "Click and drag to draw a rectangle."),
    "leaflet_release": ("松开鼠标完成绘制。", "Release the mouse to finish drawing."),
    "leaflet_edges_cross": ("<strong>错误：</strong>边不能交叉！", "<strong>Error:</strong> shape edges cannot cross!"),
    "leaflet_remove": ("删除图形", "Delete shapes"),
    "leaflet_remove_none": ("没有可删除的图形", "No shapes to delete"),
    "leaflet_remove_hint": ("点击图形将其删除。", "Click on a shape to delete it."),
    "leaflet_save": ("保存", "Save"),
    "leaflet_save_title": ("保存修改", "Save changes"),
    "leaflet_clear_all": ("全部清除", "Clear all"),
    "leaflet_clear_all_title": ("清除所有图形", "Clear all shapes"),
    "leaflet_edit_cancel_title": ("取消编辑，放弃所有修改", "Cancel editing, discard all changes"),
}
