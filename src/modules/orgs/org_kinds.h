// Organization kinds (组织类别) and branch types (支部类型) of DOMAIN.md M1, with Chinese labels.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zg::orgs {

struct Label {
  std::string value;
  std::string label;
};

// district_committee 区委, street_committee 街道党工委, town_committee 镇党委,
// regional_committee 区域化党建工作委员会, committee 党委, general_branch 党总支,
// branch 党支部, joint_branch 联合党支部, party_group 党小组.
const std::vector<Label>& kinds();
// community 社区, village 村, villager_group 村民小组, grid 网格, building 楼宇, association 协会,
// park 园区, market 市场, mobile 流动党员, mobile_outside 驻外流动党员, nonpublic 非公企业,
// social_org 社会组织, coop 农民专业合作社, school 学校, hospital 医院, agency 机关,
// retired 离退休, project 项目, other 其他.
const std::vector<Label>& branchTypes();
std::optional<std::string> kindLabel(std::string_view kind);
std::optional<std::string> branchTypeLabel(std::string_view type);

// Members are placed in branches: branch or joint_branch (a general branch or committee with
// no branches beneath may also hold members directly, as small ones do).
bool holdsMembers(std::string_view kind);
// Which kinds may sit under a parent kind (e.g. a party group only under a branch).
bool allowedChild(std::string_view parentKind, std::string_view childKind);

}  // namespace zg::orgs
