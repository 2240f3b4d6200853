"""What the engine and storage say: rule titles, violations and their fixes, pairing reasons,
edits refused, plans the rules cannot all allow, storage failures. Part of the one catalogue
(``texts``); the parameters are filled in by ``planning.verdict``, ``planning.pairing``,
``planning.errors`` and ``geodata.plans``."""

from __future__ import annotations

ENGINE: dict[str, tuple[str, str]] = {
    # places named in messages, names before codes (planning.labels): unit, facility, district; a grid
    "label.named": ("{name}（{ref}）", "{name} ({ref})"),
    "label.grid": ("{district} 第{n}网格（{ref}）", "{district} grid {n} ({ref})"),
    "label.grid_plain": ("{district} 网格（{ref}）", "{district} grid ({ref})"),
    # rule titles (RULES.md ids)
    "rule_title.G1": ("全覆盖", "full coverage"),
    "rule_title.G2.district": ("不跨区", "inside its district"),
    "rule_title.G2.pooling": ("不跨医保统筹区", "inside one pooling area"),
    "rule_title.G3": ("区级医院牵头", "led by a district-level hospital"),
    "rule_title.G4": ("基层机构均入网格", "every CHC and THC in a grid"),
    "rule_title.G5": ("网格数量", "number of grids"),
    "rule_title.G6.contiguous": ("网格连片", "contiguous"),
    "rule_title.G6.band": ("网格人口在区间内", "grid population within the band"),
    "rule_title.P1": ("区级上限", "district cap"),
    "rule_title.P2": ("医院上限", "hospital cap"),
    "rule_title.P4": ("结对依据", "eligibility"),
    "rule_title.P6": ("既往合作", "existing partnerships"),
    "rule_title.P7": ("远郊优先", "remote-suburb priority"),
    "rule_title.P8": ("托管人员配备", "trusteeship staffing"),
    # violations
    "rule.G1.unassigned": ("{n} 个单元（{people:,.0f} 人）不属于任何网格：{examples}",
                           "{n} units ({people:,.0f} residents) belong to no grid: {examples}"),
    "rule.G2.other_district": ("{district}的单元 {unit} 划入了 {grid}", "unit {unit} of {district} is in {grid}"),
    "rule.G2.pooling": ("网格 {grid} 跨越医保统筹区 {areas}", "grid {grid} crosses insurance pooling areas {areas}"),
    "rule.G3.not_a_lead": ("{grid} 的牵头单位 {lead} 不是可牵头的医院",
                           "the lead {lead} of {grid} is not a hospital that may lead"),
    "rule.G3.lead_outside": ("牵头医院 {name}（{lead}）所在单元 {unit} 不在 {grid} 内",
                             "the lead {name} ({lead}) stands in unit {unit}, outside grid {grid}"),
    "rule.G3.lead_outside_units": ("牵头医院 {name}（{lead}）不在任何单元内，距最近单元 {km:.1f} km，已按单元 {unit} 计，该单元属于 {grid}",
                                   "the lead {name} ({lead}) stands outside every unit, {km:.1f} km from the nearest; it is "
                                   "counted in unit {unit}, of {grid}"),
    "rule.G3.lead_shares_unit": ("县域医共体 {grid} 的牵头医院 {name}（{lead}）所在乡镇 {unit} 属于医共体 {other}；{grid} 与该乡镇相邻",
                                 "the lead {name} ({lead}) of county alliance {grid} stands in township {unit}, which "
                                 "belongs to alliance {other}; {grid} borders it"),
    "rule.G3.two_grids": ("{name}（{lead}）同时牵头 {first} 和 {grid}", "{name} ({lead}) leads both {first} and {grid}"),
    "rule.G4.no_grid": ("{kind} {name}（{facility}）所在单元 {unit} 不属于任何网格",
                        "{kind} {name} ({facility}) stands in unit {unit}, which belongs to no grid"),
    "rule.G4.no_unit": ("{kind} {name}（{facility}）不在本区任何单元内，不属于任何网格",
                        "{kind} {name} ({facility}) stands in no unit of its district and belongs to no grid"),
    "rule.G4.outside_units": ("{kind} {name}（{facility}）不在任何单元内，距最近单元 {km:.1f} km，已按单元 {unit} 计",
                              "{kind} {name} ({facility}) stands outside every unit, {km:.1f} km from the nearest; it is "
                              "counted in unit {unit}"),
    "rule.G4.other_district": ("{name}（{facility}）属于{district}，但所在单元 {unit} 划入了 {grid}",
                               "{name} ({facility}) belongs to {district} but stands in unit {unit}, in {grid}"),
    "rule.G5.district": ("{district} 有 {n} 个网格（至少 1 个）", "{district} has {n} grids (at least 1)"),
    "rule.G5.county": ("{district} 有 {n} 个县域医共体网格（允许 1–{most} 个）",
                       "{district} has {n} grids (a county forms 1-{most})"),
    "rule.G5.no_lead": ("{district} 没有可牵头网格的医院，{units} 个单元未能划入网格", "{district} has no hospital that may lead a grid: its {units} units are in no grid"),
    "rule.G5.fixed_count": ("{district} 设定 {fixed} 个网格，方案有 {n} 个（可牵头医院所在单元 {leads} 个）",
                            "{district} is set to {fixed} grids; the plan has {n} ({leads} hospitals may lead)"),
    "rule.G6.too_few_grids": ("{district} 常住人口 {people:,.0f}，每个网格不超过 {hi:,.0f} 需要至少 {need} 个网格，方案有 {n} 个（可牵头医院 {leads} 家）",
                              "{district} has {people:,.0f} residents; at most {hi:,.0f} per grid needs at least {need} grids, "
                              "the plan has {n} ({leads} hospitals may lead)"),
    "rule.G6.not_contiguous": ("{grid} 不连片：分成 {parts} 块，{n} 个单元与主体不相邻：{examples}",
                               "{grid} is not contiguous: {parts} parts; {n} units are cut off: {examples}"),
    "rule.G6.island": ("{grid} 不连片：{n} 个单元 {examples} 与区内其余单元隔开 {km:.1f} km，超过海岛连接距离 {limit:g} km",
                       "{grid} is not contiguous: {n} units ({examples}) lie {km:.1f} km from the rest of their "
                       "district, beyond the island link distance of {limit:g} km"),
    "rule.G6.above_band": ("{grid} 人口 {population:,.0f}，高于上限（{lo:,.0f}–{hi:,.0f}）",
                           "{grid} has {population:,.0f} residents, above the maximum ({lo:,.0f}-{hi:,.0f})"),
    "rule.G6.below_band": ("{grid} 人口 {population:,.0f}，低于下限（{lo:,.0f}–{hi:,.0f}）",
                           "{grid} has {population:,.0f} residents, below the minimum ({lo:,.0f}-{hi:,.0f})"),
    "rule.P1.over_cap": ("{district} 与 {n} 家市级综合医院结对（{hospitals}），上限 {cap}",
                         "{district} pairs with {n} city general hospitals ({hospitals}); cap {cap}"),
    "rule.P2.over_cap": ("{hospital} 服务 {n} 个区（{districts}，含本部所在区），上限 {cap}",
                         "{hospital} serves {n} districts ({districts}, home included); cap {cap}"),
    "rule.P4.no_basis": ("{hospital} 在 {district} 既无院区也无既往合作：需说明理由",
                         "{hospital} has no campus or partnership in {district}: needs justification"),
    "rule.P6.not_kept": ("既往合作 {hospital}→{district} 未保留", "existing partnership {hospital}→{district} is not kept"),
    "rule.P7.fewer_partners": ("远郊 {district} 只有 {n} 家合作医院，少于中心城区的 {central} 家；{spare} 仍有余量",
                               "remote suburb {district} has {n} partners, fewer than a central district's {central}; "
                               "{spare} still have capacity"),
    "rule.P8.below_floor": ("{hospital}→{district} 托管派驻管理人员 {managers} 名、专家 {experts} 名，低于 2 名和 5 名的要求",
                            "trusteeship {hospital}→{district} seconds {managers} managers and {experts} experts, below 2 and 5"),
    # fixes
    "fix.G1.unassigned": ("将这些单元划入相邻网格，或重新生成方案", "assign them to a neighbouring grid, or propose again"),
    "fix.G2.other_district": ("网格不得跨区：将单元 {unit} 划入{district}的网格",
                              "grids stay inside their district: move {unit} to a grid of {district}"),
    "fix.G2.pooling": ("网格不得跨越医保统筹区：拆分网格 {grid}", "a grid may not cross pooling areas: split {grid}"),
    "fix.G3.not_a_lead": ("为 {grid} 选择区级医院/区域性医疗中心牵头",
                          "choose a district hospital or regional medical centre to lead {grid}"),
    "fix.G3.lead_outside": ("把牵头医院所在单元 {unit} 划入 {grid}", "put the lead's own unit, {unit}, into {grid}"),
    "fix.G3.lead_outside_units": ("核对该医院坐标（是否为未声明的 GCJ-02/BD-09）；如坐标无误，补全单元图层（水域、公园、农田等）",
                                  "check the hospital's coordinates (undeclared GCJ-02 or BD-09?); if they are right, complete "
                                  "the units layer (water, parks, farmland)"),
    "fix.G3.lead_shares_unit": ("县域内两家牵头医院同在县城时允许；如需该乡镇归本医共体，请手工调整并锁定",
                                "allowed in a county where two leads share the county seat; to move the township into this "
                                "alliance, edit and lock it"),
    "fix.G3.two_grids": ("每个网格由一家医院牵头：为 {grid} 另选牵头医院", "each grid has its own lead hospital: choose another for {grid}"),
    "fix.G4.no_grid": ("把单元 {unit} 划入本区的网格", "assign {unit} to a grid of its district"),
    "fix.G4.no_unit": ("检查该机构的坐标和所属区县，或补全单元图层", "check the facility's position and district, or complete the units layer"),
    "fix.G4.outside_units": ("核对该机构坐标（是否为未声明的 GCJ-02/BD-09）；如坐标无误，补全单元图层",
                             "check the facility's coordinates (undeclared GCJ-02 or BD-09?); if they are right, complete the units layer"),
    "fix.G4.other_district": ("核对该机构的所属区县或坐标；如坐标无误，在备案中说明跨区隶属",
                              "check the facility's district or position; if both are right, explain the membership in the filing"),
    "fix.G5.no_lead": ("在 facilities 中添加该区的区级医院/区域性医疗中心或县级医院，或为合适的医院设置 can_lead = 是",
                       "add a district or county hospital of this district to facilities, or set can_lead = yes on a suitable hospital"),
    "fix.G5.fixed_count": ("调整 [grids.grid_counts] 中的设定，或增加可牵头的医院（现有 {leads} 家）",
                           "change [grids.grid_counts], or add hospitals that may lead (there are {leads})"),
    "fix.G5.fixed_count_county": ("县域医共体为 1–{most} 个：把 [grids.grid_counts] 中的设定降到 {most} 以下，或设置 county_alliances_max 并在 county_alliances_reason 中记录理由",
                                  "a county forms 1-{most} alliances: set [grids.grid_counts] to {most} or fewer, or raise "
                                  "county_alliances_max and record why in county_alliances_reason"),
    "fix.G5.fixed_count_units": ("该区县只有 {units} 个单元，每个网格至少一个单元：把 [grids.grid_counts] 中的设定降到 {units} 以下，或使用更细的单元图层",
                                 "the district has only {units} units and a grid needs one: set [grids.grid_counts] to "
                                 "{units} or fewer, or load finer units"),
    "fix.G6.too_few_grids": ("将网格人口上限提高到 {raise_to:,} 以上，或增加可牵头的医院", "raise the band's maximum to at least {raise_to:,}, or add hospitals that may lead"),
    "fix.G5.count": ("调整{district}的网格数量", "change the number of grids of {district}"),
    "fix.G6.not_contiguous": ("把分离的单元 {examples} 划入与其相邻的网格", "move the cut-off units, {examples}, to a grid they touch"),
    "fix.G6.island": ("把 island_link_km 提高到 {need:g} 以上以连接该岛，或为该岛设一家可牵头的医院，使其单独成网格",
                      "raise island_link_km to {need:g} or more to link it, or give the island a hospital that may lead "
                      "so it forms a grid of its own"),
    "fix.G6.band": ("调整 {grid} 的边界单元，或调整网格数量/人口区间",
                    "move boundary units of {grid}, or change the number of grids or the band"),
    "fix.P1.over_cap": ("减少结对，或按面积和人口设置带理由的上限调整", "drop a pairing, or set an override with its reason"),
    "fix.P2.over_cap": ("总量控制、结构优化：减少结对", "total control, structural optimisation: drop a pairing"),
    "fix.P4.no_basis": ("记录合作依据（如城乡对口支援），或改选有院区的医院",
                        "record the basis (e.g. paired assistance), or choose a hospital with a campus there"),
    "fix.P6.not_kept": ("确认调整并在备案中说明，或固定该结对", "confirm the change and file it, or fix this pairing"),
    "fix.P7.fewer_partners": ("为该区增加结对", "add a pairing for it"),
    "fix.P8.below_floor": ("增派人员或改为技术支持", "second more staff, or make it technical support"),
    # why a unit is in its grid (planning.grids.explain)
    "explain.nearest": ("最近的牵头医院", "nearest lead"),
    "explain.lead": ("牵头医院所在单元", "the lead's own unit"),
    "explain.lock": ("规划人员锁定", "locked by the planner"),
    "explain.kept": ("本区未重新生成，保留原方案", "district not re-proposed; kept as it was"),
    "explain.balance": ("为网格人口均衡而调整", "moved for population balance"),
    "explain.contiguity": ("为网格连片而调整", "moved to keep the grid contiguous"),
    "explain.district": ("最近的牵头医院在另一区（网格不跨区，G2）", "nearest lead is in another district (grids stay inside, G2)"),
    "explain.no_lead": ("本区没有可牵头网格的医院，未划入网格（G5）", "no hospital of its district may lead a grid: in no grid (G5)"),
    # why a pairing is made (planning.pairing._pairing)
    "reason.distance": ("距离 {km:.1f} km", "distance {km:.1f} km"),
    "reason.home": ("本部所在区", "home district"),
    "reason.branch": ("设有分院（P5）", "branch campus (P5)"),
    "reason.branch_planned": ("规划分院（P5）", "branch campus (planned) (P5)"),
    "reason.partnership": ("既往合作（P6）", "existing partnership (P6)"),
    "reason.remote": ("远郊优先（P7）", "remote suburb priority (P7)"),
    "pairing.dropped.hospital_cap": ("P2：{hospital} 已服务 {n} 个区（上限 {cap}）",
                                     "P2: {hospital} already serves {n} districts (cap {cap})"),
    "pairing.dropped.district_cap": ("P1：{district} 已有 {n} 家市级综合医院（上限 {cap}）",
                                     "P1: {district} already has {n} city general hospitals (cap {cap})"),
    "pairing.dropped.preferred": ("由更近或更优先的医院服务该区", "a nearer or preferred hospital serves the district"),
    "pairing.unpaired.none_eligible": ("P4：没有在该区设院区或有既往合作的市级综合医院",
                                       "P4: no city general hospital has a campus or partnership here"),
    "pairing.unpaired.at_cap": ("P2：符合条件的医院（{hospitals}）均已达上限",
                                "P2: every eligible hospital ({hospitals}) is at its cap"),
    # no plan can be made (planning.errors.InfeasiblePlanError)
    "infeasible.no_lead": ("{district} 没有可牵头网格的医院（区级医院/区域性医疗中心或县级医院）。请在 facilities 中添加此类医院，或为合适的医院设置 can_lead = 是。",
                           "{district} has no hospital that may lead a grid (district or county hospital). Add one to "
                           "facilities, or set can_lead = yes on a suitable hospital."),
    "infeasible.no_lead_anywhere": ("没有任何区县有可牵头网格的医院（区级医院/区域性医疗中心或县级医院）：请在 facilities 中添加，或设置 can_lead = 是。",
                                    "No district has a hospital that may lead a grid (district or county hospital): add them to "
                                    "facilities, or set can_lead = yes."),
    "infeasible.no_units": ("数据包没有可用的单元（单元图层未能载入或为空），无法划分网格或评估覆盖：请先按问题清单修正单元文件。",
                            "The package has no usable units (the units layer failed to load or is empty): no grid or "
                            "coverage can be worked out. Fix the units file as the problem list says."),
    "infeasible.lead_gone": ("{grids} 的牵头医院 {leads} 已不在数据中，或已不可牵头网格：先在“整网格操作”中为这些网格更换牵头医院，或按当前数据新建方案",
                             "{grids}: lead hospital {leads} is no longer in the data or may no longer lead a grid. "
                             "Change the lead first (Whole grids), or start a new plan from the data"),
    "infeasible.leads_share_unit": ("牵头医院 {first} 和 {second} 位于同一单元 {unit}，无法各自牵头一个网格。请只保留其中一家牵头，或拆分该单元。",
                                    "lead hospitals {first} and {second} stand in the same unit {unit} and cannot each lead "
                                    "a grid. Keep one of them as lead, or split the unit."),
    "infeasible.lead_unit_locked": ("单元 {unit} 被锁定在 {locked_in}，但它是 {grid} 的牵头医院 {lead} 的所在单元。请解锁该单元或更换牵头医院。",
                                    "unit {unit} is locked into {locked_in} but it is where {lead}, the lead of {grid}, "
                                    "stands. Unlock the unit or change that grid's lead."),
    "infeasible.fixed_hospital_cap": ("{hospital} 固定结对 {n} 个区，超过上限 {cap}（含本部所在区）。请取消部分固定结对，或为该院设置带理由的上限调整。",
                                      "{hospital} has {n} fixed pairings, above its cap of {cap} (home district included). "
                                      "Unfix some, or set a hospital_cap_override with its reason."),
    "infeasible.fixed_district_cap": ("{district} 固定结对 {n} 家市级综合医院，超过上限 {cap}。请取消部分固定结对，或按面积和人口设置带理由的上限调整。",
                                      "{district} has {n} fixed city general hospitals, above its cap of {cap}. Unfix some, "
                                      "or set a district_cap_override with its reason (area, population)."),
    # edits refused (planning.edits)
    "edit.no_grid": ("{grid} 不存在", "{grid} does not exist"),
    "edit.not_a_lead": ("{lead} 不是可牵头网格的医院（G3）", "{lead} is not a hospital that may lead a grid (G3)"),
    "edit.lead_taken": ("{lead} 已牵头网格，或其所在单元已有牵头医院（G3）",
                        "{lead} already leads a grid, or a current lead stands in its unit (G3)"),
    "edit.lead_taken_other": ("{lead} 已牵头其他网格，或其所在单元已有其他牵头医院（G3）",
                              "{lead} already leads another grid, or another lead stands in its unit (G3)"),
    "edit.lead_other_district": ("{lead} 不在 {grid} 所在的区，网格不跨区（G2）",
                                 "{lead} is not in the district of {grid}; grids stay inside their district (G2)"),
    # the plan's history as a list to return to (ui.editlog): a version's content saved as a new version
    "action_revert": ("回到旧版本", "returned to a version"),
    "history_click": ("点击某一版本所在的行，可回到该版本：其内容另存为新版本，之后的各版本都保留。",
                      "Click a version's row to return to it: its content is saved as a new version, and every "
                      "version after it is kept."),
    "history_return": ("回到第 {version} 版", "Return to version {version}"),
    "history_return_note": ("第 {version} 版的内容将另存为第 {new} 版；其后的 {later} 个版本都保留在记录中，可随时再回到。",
                            "The content of version {version} will be saved as version {new}; the {later} versions after "
                            "it stay in the history, and you can return to any of them."),
    "history_returned": ("已回到第 {version} 版：其内容已另存为第 {new} 版；其后的 {later} 个版本都保留在记录中。",
                         "Returned to version {version}: its content is saved as version {new}; the {later} versions "
                         "after it stay in the history."),
    "history_current": ("第 {version} 版就是当前版本。", "Version {version} is the current version."),
    # storage (geodata.plans)
    "storage.failed": ("无法保存方案：{why}（{cause}）。这次修改没有保存，已保存的版本不受影响。请释放磁盘空间或检查 {path} 的写入权限后重试。",
                       "The plan could not be saved: {why} ({cause}). This edit was not saved; the saved versions are "
                       "unharmed. Free disk space or make {path} writable, then try again."),
    "storage.disk_full": ("磁盘已满", "the disk is full"),
    "storage.read_only": ("数据目录只读或无写入权限", "the data directory is read-only or not writable"),
    "storage.io": ("读写错误", "a read or write error"),
}

# access settings and accounts (geodata.accounts)
ENGINE.update({
    "access.settings_unreadable": ("无法读取权限设置 {path}：{error}。请改正该文件（TOML 格式）。",
                                   "Cannot read the access settings {path}: {error}. Fix the file (TOML)."),
    "access.settings_unknown": ("{path}：未知的设置 {keys}。文件存在时须写明 mode（off、local 或 oidc），且只能有 mode、session_hours、"
                                "default_role、provider、trust_unverified_email、retention_days 和 [roles]。",
                                "{path}: unknown settings {keys}. When the file exists it must set mode (off, local or oidc) "
                                "and may hold only mode, session_hours, default_role, provider, trust_unverified_email, retention_days and [roles]."),
    "access.settings_no_mode": ("{path}：缺少 mode。文件存在时须写明 mode（off、local 或 oidc），且只能有 mode、session_hours、"
                                "default_role、provider、trust_unverified_email 和 [roles]。",
                                "{path}: mode is missing. When the file exists it must set mode (off, local or oidc) and may "
                                "hold only mode, session_hours, default_role, provider, trust_unverified_email and [roles]."),
    "access.bad_mode": ("{path}：mode = {mode} 无效，应为 off、local 或 oidc。", "{path}: mode = {mode} is not one of off, local, oidc."),
    "access.bad_roles": ("{path}：[roles] 中的角色只能是 {roles}。", "{path}: the roles in [roles] must be one of {roles}."),
    "access.bad_default_role": ("{path}：default_role = {role} 无效，应为 none 或 {roles}。",
                                "{path}: default_role = {role} must be none or one of {roles}."),
    "access.bad_hours": ("{path}：session_hours 应在 0 到 720 之间。", "{path}: session_hours must be between 0 and 720."),
    "access.bad_trust": ("{path}：trust_unverified_email 应为 true 或 false。",
                         "{path}: trust_unverified_email must be true or false."),
    "access.account_exists": ("账号“{name}”已存在。", "The account {name} exists already."),
    "access.last_admin": ("不能删除或降级最后一位管理员。", "The last administrator cannot be removed or demoted."),
    "access.no_account": ("没有这个账号。", "There is no such account."),
    "access.locked": ("连续输错密码 {n} 次，该账号已锁定至 {until}（北京时间）；请稍后再试或请管理员重设密码。",
                      "{n} wrong passwords in a row: this account is locked until {until} (Beijing time). Try later, "
                      "or ask an administrator to reset the password."),
    "access.wrong_password": ("账号或密码不正确。", "Wrong account name or password."),
    "access.bad_name": ("账号名应为 1–40 个字母、汉字、数字或 . _ - @。", "An account name has 1-40 letters, digits or . _ - @."),
    "access.bad_role": ("角色 {role} 无效，应为 {roles}。", "Role {role} must be one of {roles}."),
    "access.weak_password": ("密码至少 {n} 个字符，且不能与账号名相同。",
                             "A password has at least {n} characters and is not the account name."),
    "access.passwords_differ": ("两次输入的密码不一致。", "The two passwords differ."),
    "access.denied": ("当前角色“{role}”无权{action}；如需权限，请联系管理员。",
                      "Your role, {role}, may not {action}; ask an administrator for access."),
    "role.official": ("审阅（只读）", "official (read-only)"),
    "role.planner": ("规划", "planner"),
    "role.admin": ("管理员", "administrator"),
    "role.none": ("未登录", "signed out"),
    "permission.edit": ("修改方案", "change plans"),
    "permission.import": ("导入数据", "import data"),
    "permission.manage": ("删除、恢复方案或管理账号", "delete or restore plans or manage accounts"),
    "permission.view": ("查看", "view"),
})

# the filing report (geodata.report): Chinese for filing, English for visitors
ENGINE.update({
    "report.title": ("医联体网格化布局方案 备案报告", "Medical alliance grid plan: filing report"),
    "report.version": ("{name}（第 {version} 版）", "{name} (version {version})"),
    "report.plan_id": ("方案编号", "Plan id"),
    "report.author": ("编制人", "Prepared by"),
    "report.created": ("生成时间", "Generated"),
    "report.data": ("数据", "Data"),
    "report.grids": ("网格数", "Grids"),
    "report.population": ("覆盖人口", "Residents covered"),
    "report.rules": ("规则检查", "Rule checks"),
    "report.rules_failed": ("未通过：{rules}", "failed: {rules}"),
    "report.rules_all_passed": ("全部通过", "all passed"),
    "report.city_map": ("全市网格布局", "Grids of the city"),
    "report.grid": ("网格", "Grid"),
    "report.alliance": ("县域医共体", "County alliance"),
    "report.lead": ("牵头医院", "Lead hospital"),
    "report.residents": ("常住人口", "Residents"),
    "report.units": ("单元", "Units"),
    "report.members": ("成员机构", "Members"),
    "report.mean_km": ("平均距离 km", "Mean distance km"),
    "report.partners": ("结对市级医院：", "Partner city hospitals: "),
    "report.fixed": ("，固定", ", fixed"),
    "report.none": ("无", "none"),
    "report.rules_note": ("规则无“错误”即为通过；“警告”（如网格人口超出区间）单列，不影响是否通过。",
                          "A rule passes when it has no error; warnings (a grid outside the population band, say) are "
                          "listed apart and do not fail it."),
    "report.rule": ("规则", "Rule"),
    "report.rule_name": ("名称", "Name"),
    "report.result": ("结果", "Result"),
    "report.errors": ("错误", "Errors"),
    "report.warnings": ("警告", "Warnings"),
    "report.passed": ("通过", "passed"),
    "report.failed": ("未通过", "failed"),
    "report.severity": ("级别", "Severity"),
    "report.error": ("错误", "error"),
    "report.warning": ("警告", "warning"),
    "report.place": ("位置", "Place"),
    "report.problem": ("问题", "Problem"),
    "report.fix": ("建议", "Fix"),
    "report.notes": ("决策说明", "Decision notes"),
    "report.changes": ("与上次备案版本相比的变化", "Changes since the last filed version"),
    "report.first_filing": ("首次备案，无上次备案版本。", "First filing: there is no earlier filed version."),
    "report.changes_summary": ("调整网格的单元 {units} 个，涉及常住人口 {people:,.0f} 人；新增网格 {grids_added}；撤销网格 {grids_removed}；"
                               "新增结对 {pairings_added}；取消结对 {pairings_removed}。",
                               "{units} units changed grid, {people:,.0f} residents; grids added: {grids_added}; grids "
                               "removed: {grids_removed}; pairings added: {pairings_added}; pairings removed: {pairings_removed}."),
    "report.from_grid": ("原网格", "From grid"),
    "report.to_grid": ("新网格", "To grid"),
})

# config.toml settings out of bounds (planning.config, geodata.package): the setting, the value
# written, the values allowed (an interval: [1, 10000], (0, 100]) and the fix. Shaped as load-report
# issues (``issue.<code>`` and ``issue.<code>.fix``): the engine's ConfigError carries them and the
# loader reports them. The English starts with the setting's name, as every config problem does.
ENGINE.update({
    "issue.config_not_number": ("{setting} = {value}：应为数值", "{setting} = {value}: a number is expected"),
    "issue.config_not_number.fix": ("请在 config.toml 中把 {setting} 改为 {allowed} 内的数值（默认 {default}），不加引号",
                                    "in config.toml, write {setting} as a number in {allowed} (default {default}), without quotes"),
    "issue.config_not_whole": ("{setting} = {value}：应为整数", "{setting} = {value}: a whole number is expected"),
    "issue.config_not_whole.fix": ("请在 config.toml 中把 {setting} 改为 {allowed} 内的整数（默认 {default}），不加引号和小数点",
                                   "in config.toml, write {setting} as a whole number in {allowed} (default {default}), "
                                   "without quotes or a decimal point"),
    "issue.config_not_finite": ("{setting} = {value}：不是有效数值（NaN 或无穷大在此没有意义）",
                                "{setting} = {value}: not a usable number (NaN or infinity means nothing here)"),
    "issue.config_not_finite.fix": ("请在 config.toml 中把 {setting} 改为 {allowed} 内的数值（默认 {default}），或删除该行以使用默认值",
                                    "in config.toml, write {setting} as a number in {allowed} (default {default}), or delete "
                                    "the line to use the default"),
    "issue.config_out_of_range": ("{setting} = {value}：超出允许范围 {allowed}", "{setting} = {value}: outside the values allowed, {allowed}"),
    "issue.config_out_of_range.fix": ("请在 config.toml 中把 {setting} 改为 {allowed} 内的值（默认 {default}），或删除该行以使用默认值",
                                      "in config.toml, set {setting} to a value in {allowed} (default {default}), or delete the "
                                      "line to use the default"),
    "issue.config_clamped": ("{setting} = {value}：超过任何数据所需（上限或数量超过区县、医院或单元数时不起作用），按 {used} 计",
                             "{setting} = {value}: more than any data needs (a cap or count is never used beyond the number "
                             "of districts, hospitals or units); {used} is used"),
    "issue.config_clamped.fix": ("无需处理；如需写明，可在 config.toml 中把 {setting} 改为 {used} 或以下（允许 {allowed}，默认 {default}）",
                                 "nothing to do; to say it plainly, set {setting} to {used} or less in config.toml ({allowed} "
                                 "allowed, default {default})"),
    "issue.config_hex_too_small": ("hex_size_km = {size}：生成单元需要约 {cells} 个六边形，超过上限 {budget} 个；已改用允许的最小边长 {smallest} km，生成 {count} 个单元",
                                   "hex_size_km = {size}: the generated units would need about {cells} hexagons, more than "
                                   "the {budget} allowed; the smallest size allowed, {smallest} km, was used ({count} units)"),
    "issue.config_hex_too_small.fix": ("如需更细的单元，请上传 units 图层（街道/乡镇边界和人口）；或在 config.toml 中把 hex_size_km 设为 {smallest} 或以上",
                                       "for finer units, upload a units layer (sub-district boundaries and population); or set "
                                       "hex_size_km to {smallest} or more in config.toml"),
})
