// SPDX-License-Identifier: GPL-2.0
/*
 * The LIO side of vhost-scsi: a target fabric named "vhost", set up by
 * administrators through configfs (targetcli, rtslib):
 *
 *   target/vhost/version                       this module, read-only
 *   target/vhost/<port>/                       naa., fc. or iqn. name
 *   target/vhost/<port>/tpgt_N/nexus           the guest's I_T nexus
 *   target/vhost/<port>/tpgt_N/attrib/fabric_prot_type   0, 1 or 3
 *   target/vhost/<port>/tpgt_N/lun/lun_M       LUNs, linked to backstores
 *
 * A device binds the TPGs of one port with VHOST_SCSI_SET_ENDPOINT
 * (scsi_dev.c calls vhost_scsi_tpgs_bind() here). While bound, a TPG
 * cannot be removed (configfs dependency) and its nexus cannot be dropped;
 * LUNs linked or unlinked meanwhile reach the guest as hotplug events.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <scsi/scsi_proto.h>

#include "scsi.h"

/* Every TPG, for SET_ENDPOINT to find those of a port. */
static DEFINE_MUTEX(vhost_scsi_tpgs_lock);	/* taken before a TPG's lock */
static LIST_HEAD(vhost_scsi_tpgs);

static struct vhost_scsi_tpg *vhost_scsi_tpg_of(struct se_portal_group *se)
{
	return container_of(se, struct vhost_scsi_tpg, se_tpg);
}

/*
 * The SCSI protocol a port name stands for, by its prefix; @id is the
 * name the port reports (an fc. name without its prefix).
 */
static int vhost_scsi_name_proto(const char *name, const char **id)
{
	static const struct {
		const char *prefix;
		u8 proto;
		bool strip;
	} kinds[] = {
		{ "naa.", SCSI_PROTOCOL_SAS, false },
		{ "fc.", SCSI_PROTOCOL_FCP, true },
		{ "iqn.", SCSI_PROTOCOL_ISCSI, false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (strncmp(name, kinds[i].prefix, n))
			continue;
		if (id)
			*id = kinds[i].strip ? name + n : name;
		return kinds[i].proto;
	}
	return -EINVAL;
}

/* ---- the nexus ------------------------------------------------------- */

static int vhost_scsi_nexus_make(struct vhost_scsi_tpg *tpg, const char *name)
{
	struct se_session *sess;
	int proto = vhost_scsi_name_proto(name, NULL);

	if (proto < 0 || proto != tpg->tport->proto_id) {
		pr_warn_ratelimited("nexus %s does not match port %s\n",
				    name, tpg->tport->name);
		return -EINVAL;
	}
	if (tpg->nexus)
		return -EEXIST;
	/* Demo mode: the nexus sees every LUN of the TPG. */
	sess = target_setup_session(&tpg->se_tpg, 0, 0,
				    TARGET_PROT_DIN_PASS | TARGET_PROT_DOUT_PASS,
				    name, tpg, NULL);
	if (IS_ERR(sess))
		return PTR_ERR(sess);
	strscpy(tpg->nexus_name, name, sizeof(tpg->nexus_name));
	tpg->nexus = sess;
	return 0;
}

/* Commands cannot be in flight: no device is bound (tpg->owner). */
static int vhost_scsi_nexus_drop(struct vhost_scsi_tpg *tpg)
{
	if (!tpg->nexus)
		return -ENODEV;
	if (tpg->owner || tpg->nr_luns)
		return -EBUSY;
	target_remove_session(tpg->nexus);
	tpg->nexus = NULL;
	tpg->nexus_name[0] = '\0';
	return 0;
}

static struct vhost_scsi_tpg *vhost_scsi_item_tpg(struct config_item *item)
{
	return vhost_scsi_tpg_of(container_of(to_config_group(item),
					      struct se_portal_group,
					      tpg_group));
}

static ssize_t vhost_scsi_tpg_nexus_show(struct config_item *item, char *page)
{
	struct vhost_scsi_tpg *tpg = vhost_scsi_item_tpg(item);
	ssize_t ret = -ENODEV;

	mutex_lock(&tpg->lock);
	if (tpg->nexus)
		ret = sysfs_emit(page, "%s\n", tpg->nexus_name);
	mutex_unlock(&tpg->lock);
	return ret;
}

static ssize_t vhost_scsi_tpg_nexus_store(struct config_item *item,
					  const char *page, size_t count)
{
	struct vhost_scsi_tpg *tpg = vhost_scsi_item_tpg(item);
	char name[VHOST_SCSI_NAME_LEN];
	int ret;

	if (count >= sizeof(name))
		return -EINVAL;
	memcpy(name, page, count);
	name[count] = '\0';
	strim(name);
	if (!name[0])
		return -EINVAL;
	mutex_lock(&tpg->lock);
	if (!strcmp(name, "NULL"))
		ret = vhost_scsi_nexus_drop(tpg);
	else
		ret = vhost_scsi_nexus_make(tpg, name);
	mutex_unlock(&tpg->lock);
	return ret ?: count;
}

CONFIGFS_ATTR(vhost_scsi_tpg_, nexus);

static struct configfs_attribute *vhost_scsi_tpg_attrs[] = {
	&vhost_scsi_tpg_attr_nexus,
	NULL,
};

/* ---- tpgt_N/attrib --------------------------------------------------- */

static struct vhost_scsi_tpg *vhost_scsi_attrib_tpg(struct config_item *item)
{
	return vhost_scsi_tpg_of(container_of(to_config_group(item),
					      struct se_portal_group,
					      tpg_attrib_group));
}

static ssize_t vhost_scsi_attrib_fabric_prot_type_show(struct config_item *item,
						       char *page)
{
	return sysfs_emit(page, "%d\n", vhost_scsi_attrib_tpg(item)->prot_type);
}

static ssize_t vhost_scsi_attrib_fabric_prot_type_store(struct config_item *item,
							const char *page,
							size_t count)
{
	struct vhost_scsi_tpg *tpg = vhost_scsi_attrib_tpg(item);
	int val, ret;

	ret = kstrtoint(page, 0, &val);
	if (ret)
		return ret;
	/* No protection, DIF type 1 or type 3 (type 2 needs 32-byte CDBs). */
	if (val != 0 && val != 1 && val != 3)
		return -EINVAL;
	mutex_lock(&tpg->lock);
	tpg->prot_type = val;
	/* The core reads it when a nexus is made: keep a live one in step. */
	if (tpg->nexus) {
		tpg->nexus->sess_prot_type = val;
		if (tpg->nexus->se_node_acl)
			tpg->nexus->se_node_acl->saved_prot_type = val;
	}
	mutex_unlock(&tpg->lock);
	return count;
}

CONFIGFS_ATTR(vhost_scsi_attrib_, fabric_prot_type);

static struct configfs_attribute *vhost_scsi_attrib_attrs[] = {
	&vhost_scsi_attrib_attr_fabric_prot_type,
	NULL,
};

/* ---- target/vhost/version -------------------------------------------- */

static ssize_t vhost_scsi_wwn_version_show(struct config_item *item, char *page)
{
	return sysfs_emit(page, "vhost-oot vhost_scsi %s on %s/%s\n",
			  THIS_MODULE->version ?: "", utsname()->sysname,
			  utsname()->release);
}

CONFIGFS_ATTR_RO(vhost_scsi_wwn_, version);

static struct configfs_attribute *vhost_scsi_wwn_attrs[] = {
	&vhost_scsi_wwn_attr_version,
	NULL,
};

/* ---- ports and TPGs -------------------------------------------------- */

static struct se_wwn *vhost_scsi_make_wwn(struct target_fabric_configfs *tf,
					  struct config_group *group,
					  const char *name)
{
	struct vhost_scsi_tport *tport;
	const char *id;
	int proto;

	proto = vhost_scsi_name_proto(name, &id);
	if (proto < 0 || !*id || strlen(id) >= sizeof(tport->name))
		return ERR_PTR(-EINVAL);
	tport = kzalloc(sizeof(*tport), GFP_KERNEL);
	if (!tport)
		return ERR_PTR(-ENOMEM);
	tport->proto_id = proto;
	strscpy(tport->name, id, sizeof(tport->name));
	return &tport->wwn;
}

static void vhost_scsi_drop_wwn(struct se_wwn *wwn)
{
	kfree(container_of(wwn, struct vhost_scsi_tport, wwn));
}

static struct se_portal_group *vhost_scsi_make_tpg(struct se_wwn *wwn,
						   const char *name)
{
	struct vhost_scsi_tport *tport =
		container_of(wwn, struct vhost_scsi_tport, wwn);
	struct vhost_scsi_tpg *tpg;
	u16 tag;
	int ret;

	if (strncmp(name, "tpgt_", 5) || kstrtou16(name + 5, 10, &tag) ||
	    tag >= VHOST_SCSI_MAX_TARGETS)
		return ERR_PTR(-EINVAL);
	tpg = kzalloc(sizeof(*tpg), GFP_KERNEL);
	if (!tpg)
		return ERR_PTR(-ENOMEM);
	mutex_init(&tpg->lock);
	tpg->tport = tport;
	tpg->tag = tag;
	ret = core_tpg_register(wwn, &tpg->se_tpg, tport->proto_id);
	if (ret) {
		kfree(tpg);
		return ERR_PTR(ret);
	}
	mutex_lock(&vhost_scsi_tpgs_lock);
	list_add_tail(&tpg->node, &vhost_scsi_tpgs);
	mutex_unlock(&vhost_scsi_tpgs_lock);
	return &tpg->se_tpg;
}

/* No device holds it: SET_ENDPOINT took a configfs dependency on it. */
static void vhost_scsi_drop_tpg(struct se_portal_group *se)
{
	struct vhost_scsi_tpg *tpg = vhost_scsi_tpg_of(se);

	mutex_lock(&vhost_scsi_tpgs_lock);
	list_del(&tpg->node);
	mutex_unlock(&vhost_scsi_tpgs_lock);
	mutex_lock(&tpg->lock);
	if (tpg->nexus) {
		target_remove_session(tpg->nexus);
		tpg->nexus = NULL;
	}
	mutex_unlock(&tpg->lock);
	core_tpg_deregister(se);
	kfree(tpg);
}

/* A LUN was linked (the core ignores what this returns). */
static int vhost_scsi_post_link(struct se_portal_group *se, struct se_lun *lun)
{
	struct vhost_scsi_tpg *tpg = vhost_scsi_tpg_of(se);

	mutex_lock(&tpg->lock);
	tpg->nr_luns++;
	if (tpg->owner)
		vhost_scsi_hotplug(tpg->owner, tpg, lun->unpacked_lun, true);
	mutex_unlock(&tpg->lock);
	return 0;
}

static void vhost_scsi_pre_unlink(struct se_portal_group *se,
				  struct se_lun *lun)
{
	struct vhost_scsi_tpg *tpg = vhost_scsi_tpg_of(se);

	mutex_lock(&tpg->lock);
	tpg->nr_luns--;
	if (tpg->owner)
		vhost_scsi_hotplug(tpg->owner, tpg, lun->unpacked_lun, false);
	mutex_unlock(&tpg->lock);
}

/* ---- binding TPGs to a device ---------------------------------------- */

/*
 * Bind one TPG. configfs locks its directories while it calls the fabric
 * (LUN links take tpg->lock under them), so the dependency that pins the
 * TPG is taken with none of our locks held; the item reference taken
 * under vhost_scsi_tpgs_lock keeps the TPG's memory until then.
 */
static int vhost_scsi_bind(struct vhost_scsi *vs, struct vhost_scsi_tpg *tpg)
{
	struct config_item *item = &tpg->se_tpg.tpg_group.cg_item;
	bool ok = false;

	if (target_depend_item(item))
		return 0;	/* being removed */
	mutex_lock(&tpg->lock);
	/* Another device's, or no nexus to send commands on. */
	if (!tpg->owner && tpg->nexus && !vs->targets[tpg->tag]) {
		tpg->owner = vs;
		vs->targets[tpg->tag] = tpg;
		ok = true;
	}
	mutex_unlock(&tpg->lock);
	if (!ok)
		target_undepend_item(item);
	return ok;
}

/**
 * vhost_scsi_tpgs_bind - bind a device to the TPGs of a port
 * @vs: the device, bound to none
 * @wwpn: the port's name
 *
 * Each TPG of the port with a nexus, no device and a tag @vs has free
 * becomes @vs's (tpg->owner, vs->targets by tag), held by a configfs
 * dependency until vhost_scsi_tpgs_unbind(). Takes the TPG list's lock and
 * each TPG's lock itself.
 *
 * Context: process context; @vs->dev.mutex held.
 * Return: the number of TPGs bound, or -ENOMEM.
 */
int vhost_scsi_tpgs_bind(struct vhost_scsi *vs, const char *wwpn)
{
	struct vhost_scsi_tpg *tpg, **found;
	unsigned int i, n = 0;
	int bound = 0;

	lockdep_assert_held(&vs->dev.mutex);
	found = kcalloc(VHOST_SCSI_MAX_TARGETS, sizeof(*found), GFP_KERNEL);
	if (!found)
		return -ENOMEM;
	mutex_lock(&vhost_scsi_tpgs_lock);
	list_for_each_entry(tpg, &vhost_scsi_tpgs, node) {
		if (n == VHOST_SCSI_MAX_TARGETS ||
		    strcmp(tpg->tport->name, wwpn))
			continue;
		/* Not one whose last reference is going (drop_tpg waits). */
		if (kref_get_unless_zero(&tpg->se_tpg.tpg_group.cg_item.ci_kref))
			found[n++] = tpg;
	}
	mutex_unlock(&vhost_scsi_tpgs_lock);
	for (i = 0; i < n; i++) {
		bound += vhost_scsi_bind(vs, found[i]);
		config_item_put(&found[i]->se_tpg.tpg_group.cg_item);
	}
	kfree(found);
	return bound;
}

/**
 * vhost_scsi_tpgs_unbind - give back every TPG a device bound
 * @vs: the device; none of its requests is left at LIO
 *
 * The TPGs lose their owner, so LUN hotplug no longer reaches @vs, and
 * their configfs dependency: they can be removed again.
 *
 * Context: process context; @vs->dev.mutex held.
 */
void vhost_scsi_tpgs_unbind(struct vhost_scsi *vs)
{
	unsigned int i;

	lockdep_assert_held(&vs->dev.mutex);
	/* The device's dependencies keep the TPGs until dropped here. */
	for (i = 0; i < VHOST_SCSI_MAX_TARGETS; i++) {
		struct vhost_scsi_tpg *tpg = vs->targets[i];

		if (!tpg)
			continue;
		mutex_lock(&tpg->lock);
		tpg->owner = NULL;
		mutex_unlock(&tpg->lock);
		vs->targets[i] = NULL;
		target_undepend_item(&tpg->se_tpg.tpg_group.cg_item);
	}
}

/* ---- small answers the core asks for --------------------------------- */

static char *vhost_scsi_get_wwn(struct se_portal_group *se)
{
	return vhost_scsi_tpg_of(se)->tport->name;
}

static u16 vhost_scsi_get_tag(struct se_portal_group *se)
{
	return vhost_scsi_tpg_of(se)->tag;
}

static int vhost_scsi_prot_type(struct se_portal_group *se)
{
	return vhost_scsi_tpg_of(se)->prot_type;
}

static int vhost_scsi_yes(struct se_portal_group *se)
{
	return 1;
}

static int vhost_scsi_no(struct se_portal_group *se)
{
	return 0;
}

static u32 vhost_scsi_inst_index(struct se_portal_group *se)
{
	return 1;
}

static u32 vhost_scsi_sess_index(struct se_session *sess)
{
	return 0;
}

static void vhost_scsi_node_attrs(struct se_node_acl *acl)
{
}

static int vhost_scsi_cmd_state(struct se_cmd *cmd)
{
	return 0;
}

/* Data-out is in our scatterlist before submission. */
static int vhost_scsi_write_pending(struct se_cmd *cmd)
{
	target_execute_cmd(cmd);
	return 0;
}

/*
 * The fabric's template: 6.1 keeps a pointer to it, 6.12 a copy. What LIO
 * calls is filled in by vhost_scsi_fabric_fill() when the module registers.
 */
static struct target_core_fabric_ops vhost_scsi_fabric_ops = {
	.module = THIS_MODULE,
	.fabric_name = "vhost",
};

/* Every callback LIO has of us, by job. */
static void vhost_scsi_fabric_fill(struct target_core_fabric_ops *o)
{
	/* Our configfs tree: ports, TPGs, LUN links, attributes. */
	o->fabric_make_wwn = vhost_scsi_make_wwn;
	o->fabric_drop_wwn = vhost_scsi_drop_wwn;
	o->fabric_make_tpg = vhost_scsi_make_tpg;
	o->fabric_drop_tpg = vhost_scsi_drop_tpg;
	o->fabric_post_link = vhost_scsi_post_link;
	o->fabric_pre_unlink = vhost_scsi_pre_unlink;
	o->tfc_wwn_attrs = vhost_scsi_wwn_attrs;
	o->tfc_tpg_base_attrs = vhost_scsi_tpg_attrs;
	o->tfc_tpg_attrib_attrs = vhost_scsi_attrib_attrs;

	/* Commands: data is ours, completions go to the device (scsi_req.c). */
	o->max_data_sg_nents = VHOST_SCSI_MAX_SGL;
	o->write_pending = vhost_scsi_write_pending;
	o->queue_data_in = vhost_scsi_cmd_done;
	o->queue_status = vhost_scsi_cmd_done;
	o->aborted_task = vhost_scsi_cmd_aborted;
	o->queue_tm_rsp = vhost_scsi_tmf_done;
	/* The submission's reference goes once LIO is done with the command. */
	o->check_stop_free = target_put_sess_cmd;
	o->release_cmd = vhost_scsi_cmd_release;

	/*
	 * What the core asks of a TPG: its names, and demo mode (the nexus
	 * sees every LUN, read-write), protection type, statistics index.
	 */
	o->tpg_get_wwn = vhost_scsi_get_wwn;
	o->tpg_get_tag = vhost_scsi_get_tag;
	o->tpg_check_prot_fabric_only = vhost_scsi_prot_type;
	o->tpg_check_demo_mode = vhost_scsi_yes;
	o->tpg_check_demo_mode_cache = vhost_scsi_yes;
	o->tpg_check_demo_mode_write_protect = vhost_scsi_no;
	o->tpg_check_prod_mode_write_protect = vhost_scsi_no;
	o->tpg_get_inst_index = vhost_scsi_inst_index;
	o->sess_get_index = vhost_scsi_sess_index;
	o->set_default_node_attributes = vhost_scsi_node_attrs;
	o->get_cmd_state = vhost_scsi_cmd_state;
}

/**
 * vhost_scsi_fabric_register - make target/vhost available to configfs
 *
 * Return: 0 or -errno from the target core.
 */
int vhost_scsi_fabric_register(void)
{
	vhost_scsi_fabric_fill(&vhost_scsi_fabric_ops);
	vhost_scsi_set_submit_type(&vhost_scsi_fabric_ops);
	return target_register_template(&vhost_scsi_fabric_ops);
}

/**
 * vhost_scsi_fabric_unregister - remove the fabric; configfs holds the
 * module while any directory under target/vhost exists.
 */
void vhost_scsi_fabric_unregister(void)
{
	target_unregister_template(&vhost_scsi_fabric_ops);
}
