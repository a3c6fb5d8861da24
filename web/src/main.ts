import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import App from './App.vue'
import { router } from './router'
import { i18n, setLang, currentLang } from './locales'
import './styles.css'

const app = createApp(App)
app.use(i18n)
app.use(ElementPlus)
app.use(router)
setLang(currentLang())
app.mount('#app')
