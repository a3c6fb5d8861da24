#!/usr/bin/env python3
"""Writes N member rows (valid ID numbers with the 110101 region code, which the demo never uses, so
the rows import on top of the demo district; plausible names) as a UTF-8 CSV with the national
form's headers, spread over the branches named on stdin (one "community/branch" per line)."""
import random
import sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"
SUR = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIV = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华文辉志强海燕红梅小红晓东永明丹玉兰"

def idnum(rng, seq, born):
    first = "110101" + born.replace("-", "") + "%03d" % (seq % 1000)
    s = sum(int(d) * w for d, w in zip(first, W))
    return first + C[s % 11]

def main():
    n = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    branches = [l.strip() for l in sys.stdin if l.strip()]
    rng = random.Random(seed)
    out = sys.stdout
    out.write("姓名,性别,民族,公民身份证号,出生日期,学历,人员类别,所在党支部,加入党组织日期,转为正式党员日期,工作岗位,联系电话,家庭住址,党籍状态\n")
    used = set()
    for i in range(n):
        while True:
            y = rng.randint(1940, 2000); m = rng.randint(1, 12); d = rng.randint(1, 28)
            born = "%04d-%02d-%02d" % (y, m, d)
            seq = rng.randint(0, 999)
            key = (born, seq)
            if key not in used:
                used.add(key); break
        idn = idnum(rng, seq, born)
        sex = "男" if int(idn[16]) % 2 else "女"
        name = rng.choice(SUR) + "".join(rng.choice(GIV) for _ in range(rng.randint(1, 2)))
        jy = y + rng.randint(19, 24)
        joined = "%04d-%02d-%02d" % (jy, rng.randint(1, 12), rng.randint(1, 28))
        full = "%04d-%s" % (jy + 1, joined[5:])
        phone = "1%d%09d" % (rng.choice([3, 5, 7, 8, 9]), rng.randint(0, 999999999))
        out.write(f"{name},{sex},汉族,{idn},{born},大学本科,正式党员,{rng.choice(branches)},{joined},{full},职员,{phone},杭州市江干区示例路{i % 500}号,正常\n")

main()
