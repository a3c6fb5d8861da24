#include "modules/orgs/org_kinds.h"

#include <algorithm>

namespace zg::orgs {

const std::vector<Label>& kinds() {
  static const std::vector<Label> k = {
      {"district_committee", "区委"},       {"street_committee", "街道党工委"},
      {"town_committee", "镇党委"},         {"regional_committee", "区域化党建工作委员会"},
      {"committee", "党委"},                {"general_branch", "党总支"},
      {"branch", "党支部"},                 {"joint_branch", "联合党支部"},
      {"party_group", "党小组"},
  };
  return k;
}

const std::vector<Label>& branchTypes() {
  static const std::vector<Label> t = {
      {"community", "社区"},        {"village", "村"},              {"villager_group", "村民小组"},
      {"grid", "网格"},             {"building", "楼宇"},           {"association", "协会"},
      {"park", "园区"},             {"market", "市场"},             {"mobile", "流动党员"},
      {"mobile_outside", "驻外流动党员"}, {"nonpublic", "非公企业"}, {"social_org", "社会组织"},
      {"coop", "农民专业合作社"},   {"school", "学校"},             {"hospital", "医院"},
      {"agency", "机关"},           {"retired", "离退休"},          {"project", "项目"},
      {"other", "其他"},
  };
  return t;
}

static std::optional<std::string> find(const std::vector<Label>& v, std::string_view key) {
  auto it = std::find_if(v.begin(), v.end(), [&](const Label& l) { return l.value == key; });
  if (it == v.end()) return std::nullopt;
  return it->label;
}

std::optional<std::string> kindLabel(std::string_view kind) { return find(kinds(), kind); }
std::optional<std::string> branchTypeLabel(std::string_view type) { return find(branchTypes(), type); }

bool holdsMembers(std::string_view kind) {
  return kind == "branch" || kind == "joint_branch" || kind == "general_branch" || kind == "committee";
}

bool allowedChild(std::string_view parent, std::string_view child) {
  if (child == "district_committee") return false;
  if (parent == "party_group") return false;
  if (parent == "branch" || parent == "joint_branch") return child == "party_group";
  if (child == "party_group") return parent == "branch" || parent == "joint_branch";
  if (child == "street_committee" || child == "town_committee" || child == "regional_committee")
    return parent == "district_committee";
  return true;
}

}  // namespace zg::orgs
